/**
 * report.html's only stylesheet, inlined and allowed by its hash in the page's CSP. Readable on a
 * phone (fluid charts, tables scroll sideways) and on paper (no nav, no cut figures).
 */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --alt: #f6f8fa;
  --warn-bg: #fff8c5; --warn-line: #d4a72c; --ok: #1a7f37; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .75rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p { margin: .5rem 0; }
.lead { color: var(--muted); margin: 0 0 1rem; }
a { color: #0969da; }
a:focus-visible, .table-wrap:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .5rem 1rem; margin: 1rem 0; }
.facts div { background: var(--alt); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.facts dt { font-size: .8rem; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
figure { margin: 1rem 0; }
figure.chart svg, figure.samples img { display: block; max-width: 100%; height: auto; }
figure.chart svg[data-layout="narrow"] { display: none; }
@media (max-width: 40rem) {
  figure.chart svg[data-layout="wide"] { display: none; }
  figure.chart svg[data-layout="narrow"] { display: block; }
}
figcaption { color: var(--muted); font-size: .9rem; margin-top: .35rem; }
.table-wrap { overflow-x: auto; margin: .75rem 0; max-width: 100%; }
table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
thead th { background: var(--alt); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code, li code { overflow-wrap: anywhere; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85em; }
.warning { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: .6rem .8rem; margin: .75rem 0; }
.ok { color: var(--ok); font-weight: 600; }
footer { color: var(--muted); font-size: .85rem; padding-top: 2rem; padding-bottom: 2rem; }
@media (max-width: 40rem) { body { font-size: 15px; } h1 { font-size: 1.35rem; } th, td { padding: .25rem .4rem; } }
@media print {
  nav { display: none; }
  body { font-size: 11pt; }
  header, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, .facts div { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
`;
