/**
 * Small SVG-string helpers shared by the plots: axes from d3 scales, the plot frame, and the
 * palettes. Geometry comes from d3-scale / d3-shape; this file only turns it into markup.
 */
import type { ScaleContinuousNumeric } from 'd3-scale';
import { esc } from './escape.js';

export const MARGIN = { top: 14, right: 16, bottom: 34, left: 58 };

/** Outcome colours, used everywhere an op's type is shown. */
export const TYPE_COLOURS = { ok: '#2e9d5b', fail: '#d64545', info: '#e0a526', invoke: '#8a94a6' } as const;
/** Categorical palette (per f, per node, per fault). */
export const PALETTE = ['#3b6fd8', '#8e4fd1', '#13a3a3', '#d9730d', '#c2417f', '#5f7d1e', '#6b7280', '#0f766e'];
export const NEMESIS_FILL = 'rgba(214, 69, 69, 0.10)';

export const fmt = (n: number, digits = 3): string => {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(digits)).toString();
};

export function xAxis(scale: ScaleContinuousNumeric<number, number>, y: number, label: string, ticks = 8): string {
  const [x0, x1] = scale.range();
  const format = scale.tickFormat(ticks);
  const parts = [`<g class="axis"><line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/>`];
  for (const t of scale.ticks(ticks)) {
    const x = scale(t);
    parts.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}"/><text x="${x}" y="${y + 15}" text-anchor="middle">${esc(format(t))}</text>`);
  }
  parts.push(`<text class="label" x="${(x0 + x1) / 2}" y="${y + 30}" text-anchor="middle">${esc(label)}</text></g>`);
  return parts.join('');
}

export function yAxis(scale: ScaleContinuousNumeric<number, number>, x: number, label: string, ticks = 6, gridTo?: number, specifier?: string): string {
  const [y0, y1] = scale.range();
  const format = scale.tickFormat(ticks, specifier);
  const parts = [`<g class="axis"><line x1="${x}" x2="${x}" y1="${y0}" y2="${y1}"/>`];
  for (const t of scale.ticks(ticks)) {
    const y = scale(t);
    const text = format(t);
    if (gridTo !== undefined) parts.push(`<line class="grid" x1="${x}" x2="${gridTo}" y1="${y}" y2="${y}"/>`);
    parts.push(`<line x1="${x - 4}" x2="${x}" y1="${y}" y2="${y}"/>`);
    if (text !== '') parts.push(`<text x="${x - 6}" y="${y + 3}" text-anchor="end">${esc(text)}</text>`);
  }
  const mid = (y0 + y1) / 2;
  parts.push(`<text class="label" transform="translate(${x - 46},${mid}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g>`);
  return parts.join('');
}

export function svgOpen(width: number, height: number, cls: string, label: string): string {
  return `<svg class="${cls}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">`;
}

/** A legend as HTML (wraps nicely, stays readable at any width). */
export function legend(items: Array<{ label: string; swatch: string }>): string {
  return `<div class="legend">${items.map((i) => `<span class="item">${i.swatch}${esc(i.label)}</span>`).join('')}</div>`;
}

export const swatch = (colour: string, shape: 'box' | 'line' | 'dash' | 'dot' = 'box'): string =>
  shape === 'box'
    ? `<i class="sw" style="background:${colour}"></i>`
    : `<svg class="swl" width="22" height="10"><line x1="1" x2="21" y1="5" y2="5" stroke="${colour}" stroke-width="2" ${shape === 'dash' ? 'stroke-dasharray="5 3"' : shape === 'dot' ? 'stroke-dasharray="1.5 2.5"' : ''}/></svg>`;
