/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A table cell: text (escaped), or `{ html }` for markup already safe, with optional numeric alignment. */
export type Cell = string | number | null | undefined | { html: string } | { num: number | string };

function cellHtml(cell: Cell, tag: "td" | "th"): string {
  if (cell === null || cell === undefined) return `<${tag}>—</${tag}>`;
  if (typeof cell === "number") return `<${tag} class="num">${escapeHtml(formatNumber(cell))}</${tag}>`;
  if (typeof cell === "string") return `<${tag}>${escapeHtml(cell)}</${tag}>`;
  if ("html" in cell) return `<${tag}>${cell.html}</${tag}>`;
  const text = typeof cell.num === "number" ? formatNumber(cell.num) : cell.num;
  return `<${tag} class="num">${escapeHtml(text)}</${tag}>`;
}

/**
 * A captioned table inside a focusable scroll region (wide tables scroll sideways on a phone, and a
 * keyboard user can scroll them too). The first column is a row header when `rowHeaders` is true.
 *
 * @example
 * table("Skipped files", ["file", "reason"], skipped.map((s) => [s.path, s.reason]));
 */
export function table(
  caption: string,
  headers: string[],
  rows: Cell[][],
  options: { rowHeaders?: boolean; className?: string } = {},
): string {
  const head = `<thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead>`;
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((c, i) =>
            i === 0 && options.rowHeaders
              ? cellHtml(c, "th").replace("<th", '<th scope="row"')
              : cellHtml(c, "td"),
          )
          .join("")}</tr>`,
    )
    .join("\n");
  const cls = options.className ? ` class="${options.className}"` : "";
  return `<div class="table-wrap" role="region" aria-label="${escapeHtml(caption)}" tabindex="0"><table${cls}><caption>${escapeHtml(caption)}</caption>${head}<tbody>\n${body}\n</tbody></table></div>`;
}

/** A definition list of label → value pairs (values escaped). */
export function facts(pairs: Array<[string, string | number | null | undefined]>): string {
  return `<dl class="facts">${pairs
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) =>
        `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v === null || v === undefined ? "—" : typeof v === "number" ? formatNumber(v) : v)}</dd></div>`,
    )
    .join("")}</dl>`;
}

/** Numbers for people: integers as is (with thin grouping), others to 4 significant digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return x.toLocaleString("en-US");
  return Number(x.toPrecision(4)).toString();
}

/** A share as a percentage with one decimal, e.g. 0.9607 → "96.1%". */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(1)}%`;
}

/** Seconds for people: "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "—";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
