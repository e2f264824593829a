/**
 * @module
 * Building blocks of report.html that tasks use for their own sections too: a chart figure drawn as
 * inline SVG (a note when it cannot be drawn) and a capped table of files with a reason.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SkippedFile } from "../data/types.ts";
import { type Cell, escapeHtml, table } from "./html.ts";
import { renderInlineChart } from "./inline-chart.ts";

/** Rows shown of long lists (skipped files, photos without a face); the rest is counted. */
const MAX_LIST_ROWS = 500;

/**
 * A chart figure; a chart that fails to draw becomes a note (the tables still carry the numbers).
 *
 * @example
 * html += await chartFigure(() => spec, "open-set", "Line chart of …", "Blue: …");
 */
export async function chartFigure(
  spec: () => TopLevelSpec,
  id: string,
  label: string,
  caption: string,
): Promise<string> {
  try {
    const wide = spec();
    const narrow = stackedVariant(wide);
    let svg = await renderInlineChart(wide, id, label, narrow ? "wide" : undefined);
    // Side-by-side panels shrink to unreadable on a phone; a stacked copy is shown there instead (CSS).
    if (narrow) svg += await renderInlineChart(narrow, `${id}-narrow`, label, "narrow");
    return `<figure class="chart" id="${id}-chart">${svg}<figcaption>${caption}</figcaption></figure>`;
  } catch (err) {
    return `<p class="warning">The chart could not be drawn: ${escapeHtml((err as Error).message)}</p>`;
  }
}

/** The same chart with its horizontally concatenated panels stacked vertically, or null if it has none. */
function stackedVariant(spec: TopLevelSpec): TopLevelSpec | null {
  if (!("hconcat" in spec) || !Array.isArray(spec.hconcat) || spec.hconcat.length < 2) return null;
  const { hconcat, ...rest } = spec;
  return { ...rest, vconcat: hconcat } as TopLevelSpec;
}

/**
 * A table of files and why they were left out, capped at 500 rows (the rest counted).
 *
 * @example
 * listTable(`Files left out (${skipped.length})`, skipped);
 */
export function listTable(caption: string, files: readonly SkippedFile[]): string {
  const rows: Cell[][] = files
    .slice(0, MAX_LIST_ROWS)
    .map((s) => [{ html: `<code>${escapeHtml(s.path)}</code>` }, s.reason]);
  const more =
    files.length > MAX_LIST_ROWS
      ? `<p>… and ${files.length - MAX_LIST_ROWS} more, listed in the training log.</p>`
      : "";
  return table(caption, ["file", "reason"], rows) + more;
}
