/**
 * Escaping for everything the report prints. Histories and node logs are untrusted text: a
 * value like `<script>alert(1)</script>` must render as text, never as markup.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (also valid in SVG). */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A compact, single-line rendering of any value (history values may be anything). */
export function show(value: unknown, maxLength = 200): string {
  let text: string;
  if (value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** Escaped `show`: the usual way a value reaches the page. */
export const escShow = (value: unknown, maxLength?: number): string => esc(show(value, maxLength));

/**
 * JSON for a `<script type="application/json">` block: `<` is escaped so that no
 * `</script>` or `<!--` inside a value can end the block early.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A string safe as an HTML id / URL fragment (derived from arbitrary text). */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** Percent-encodes each segment of a relative path for use in an href. */
export function hrefPath(relative: string): string {
  return relative.split('/').map(encodeURIComponent).join('/');
}
