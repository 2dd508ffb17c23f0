/**
 * The report page's frame: the self-contained HTML document (inline CSS and one inline script,
 * no network), its navigation and the shared building blocks (verdict badges, "not available"
 * notes, key/value tables). A Content-Security-Policy allows only this script (by hash) and
 * no network access, as a second line of defence behind escaping.
 */
import { createHash } from 'node:crypto';
import type { Validity } from '../../ground/checker.js';
import { esc } from './escape.js';

export interface PageSection {
  id: string;
  title: string;
  html: string;
}

export function verdictBadge(valid: Validity | undefined, big = false): string {
  const [cls, text] = valid === true ? ['valid', 'valid'] : valid === false ? ['invalid', 'INVALID'] : valid === 'unknown' ? ['unknown', 'unknown'] : ['unknown', 'not checked'];
  return `<span class="badge ${cls}${big ? ' big' : ''}">${text}</span>`;
}

export const notAvailable = (why: string): string => `<p class="na">Not available: ${esc(why)}</p>`;

export function kvTable(rows: Array<[string, string]>, cls = 'kv'): string {
  return `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f7f8fa;--card:#fff;--ok:#2e9d5b;--fail:#d64545;--info:#e0a526;--accent:#3b6fd8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#111827;color:#f9fafb;padding:18px 28px 14px}
header h1{margin:0 0 4px;font-size:22px;font-weight:600}
header .sub{color:#9ca3af;font-size:13px}
nav{position:sticky;top:0;z-index:5;background:#1f2937;padding:6px 28px;display:flex;gap:16px;flex-wrap:wrap}
nav a{color:#d1d5db;text-decoration:none;font-size:13px}nav a:hover{color:#fff}
main{max-width:1240px;margin:0 auto;padding:18px 28px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 20px 18px;margin:0 0 18px;overflow:hidden}
section>h2{margin:0 0 10px;font-size:17px}
h3{font-size:15px;margin:16px 0 6px}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f3f4f6;border-radius:6px;padding:8px 10px;overflow:auto;max-height:360px;white-space:pre-wrap;word-break:break-all}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-weight:600;font-size:12px;color:#fff}
.badge.big{font-size:15px;padding:3px 14px;border-radius:14px;vertical-align:middle;margin-left:10px}
.badge.valid{background:var(--ok)}.badge.invalid{background:var(--fail)}.badge.unknown{background:var(--info)}
.na{color:#92400e;background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:6px 10px}
.note{color:var(--muted);font-size:12.5px;margin:4px 0 8px}
table{border-collapse:collapse}
td,th{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:#374151}
table.kv th{width:180px;color:var(--muted);font-weight:500}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600}
table.checkers td:first-child{font-weight:600}
table.ops td{font-size:12.5px}table.ops tr.fail td{background:#fef2f2}table.ops tr.info td{background:#fffbeb}table.ops tr.error td{background:#fee2e2;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:4px 0 6px;font-size:12.5px;color:#374151}
.legend .item{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px}
svg.plot{max-width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:#374151}
.axis line{stroke:#9ca3af}.axis .grid{stroke:#eef0f3}.axis .label{fill:#6b7280;font-size:11.5px}
.nemesis-label{font-size:10.5px;font-weight:600}
.pt{opacity:.8}
.tl-wrap{overflow:auto;max-height:620px;border:1px solid var(--line);border-radius:6px;position:relative}
.tl-head{position:sticky;top:0;height:22px;background:#f9fafb;border-bottom:1px solid var(--line);z-index:2}
.tl-head span{position:absolute;top:3px;font-size:11.5px;color:var(--muted)}
.tl{position:relative}
.tl .op{position:absolute;width:126px;border-radius:3px;font-size:10.5px;line-height:11px;padding:0 3px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;color:#0b1f12;border-left:3px solid rgba(0,0,0,.25)}
.tl .op.ok{background:#bfe8cf}.tl .op.fail{background:#f7c4c4}.tl .op.info{background:#fbe3a6}
.tl .op.error{outline:2px solid var(--fail);z-index:1}
.tl-nem{position:absolute;left:0;right:0;border-top:1px dashed var(--fail);font-size:10px;color:var(--fail);padding-left:4px}
.tl-nem .idx,.tl .idx{color:var(--muted)}
.lin-outer{display:flex;border:1px solid var(--line);border-radius:6px;padding:10px 0}
.lin-labels{position:relative;flex:0 0 88px;border-right:1px solid var(--line)}
.lin-wrap{overflow:auto;flex:1 1 auto}
.lin{position:relative}
.lin-client{position:absolute;left:8px;width:78px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;height:30px;line-height:30px;font-size:12px;color:var(--muted)}
.lin-lane{position:absolute;border-top:1px solid #eef0f3}
.lin-op{position:absolute;height:20px;line-height:18px;font-size:11px;padding:0 4px;border-radius:4px;border:1px solid;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:default;z-index:1}
.lin-op.linearized{background:#d8f1e1;border-color:#7cc49a}
.lin-op.failed{background:#fecaca;border:2px solid #b91c1c;font-weight:700;color:#7f1d1d;z-index:3}
.lin-op.unplaced{background:#fde2e2;border-color:#ef9a9a}
.lin-op.blocking{background:#fff1d6;border-color:#e0a526}
.lin-op.pending{background:#f3f4f6;border-color:#d1d5db;color:#6b7280}
.lin-op:hover,.lin-op:focus{outline:2px solid var(--accent);z-index:4}
.lin-sw.linearized{background:#d8f1e1;border:1px solid #7cc49a}.lin-sw.failed{background:#fecaca;border:2px solid #b91c1c}.lin-sw.unplaced{background:#fde2e2;border:1px solid #ef9a9a}.lin-sw.pending{background:#f3f4f6;border:1px solid #d1d5db}
svg.lin-points{position:absolute;left:0;top:0;pointer-events:none;z-index:2}
svg.lin-points polyline{fill:none;stroke:#1f2937;stroke-width:1.2;stroke-opacity:.55}
svg.lin-points circle{fill:#1f2937}
.lin-detail{margin-top:8px;padding:8px 10px;background:#f9fafb;border:1px solid var(--line);border-radius:6px;font-size:12.5px;min-height:3em;white-space:pre-wrap}
a.jump{font-weight:600;color:#b91c1c;margin-left:6px}
ul.unplaced li{margin:2px 0}
.st-wrap{overflow:auto;max-height:700px;border:1px solid var(--line);border-radius:6px}
svg.spacetime .lane{stroke-width:2;stroke-opacity:.35}
svg.spacetime .lane-label{font-weight:700;font-size:13px}
svg.spacetime .msg{stroke:#4b5563;stroke-width:1.1;stroke-opacity:.75}
svg.spacetime .ev text{font-size:10.5px;fill:#374151}
table.divergence code{white-space:pre-wrap;word-break:break-all}
.grp{display:inline-block;padding:2px 6px;border-radius:4px}
.grp-0{background:#dbeafe}.grp-1{background:#fde2e2}.grp-2{background:#dcfce7}.grp-3{background:#fef3c7}.grp-4{background:#ede9fe}.grp-5{background:#e0f2fe}
b.slot{font-size:16px;color:#b91c1c}
ul.files{columns:2;margin:4px 0}ul.files li{font-size:12.5px}
.muted{color:var(--muted)}
`;

const SCRIPT = `
(function(){
  function show(el){
    var box=el.closest('.lin-section');if(!box)return;var out=box.querySelector('.lin-detail');if(!out)return;
    var d=el.dataset;var text=d.desc+'\\n'+d.status;
    if(d.before)text+='\\nstate before: '+d.before;
    if(d.after)text+='\\nstate after:  '+d.after;
    out.textContent=text;
  }
  document.querySelectorAll('.lin-op').forEach(function(el){
    el.addEventListener('mouseenter',function(){show(el)});el.addEventListener('focus',function(){show(el)});
  });
  // Big views open scrolled to their first error, not to their start.
  function reveal(wrap,el){
    var w=wrap.getBoundingClientRect(),r=el.getBoundingClientRect();
    wrap.scrollTop+=r.top-w.top-wrap.clientHeight/3;wrap.scrollLeft+=r.left-w.left-wrap.clientWidth/3;
  }
  document.querySelectorAll('.tl-wrap,.lin-wrap').forEach(function(wrap){
    var el=wrap.querySelector('.error,.failed');if(el)reveal(wrap,el);
  });
  document.querySelectorAll('a.jump').forEach(function(a){
    a.addEventListener('click',function(ev){
      var t=document.getElementById(a.getAttribute('href').slice(1));if(!t)return;ev.preventDefault();
      t.scrollIntoView({block:'center',inline:'center'});t.focus({preventScroll:true});show(t);
    });
  });
})();
`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

export function renderPage(title: string, header: string, sections: PageSection[]): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:`;
  const nav = sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('');
  const body = sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>${s.html}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body><header>${header}</header><nav>${nav}</nav>
<main>
${body}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
