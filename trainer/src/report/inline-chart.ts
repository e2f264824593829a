import type { TopLevelSpec } from "vega-lite";
import { escapeHtml } from "./html.ts";
import { renderSpecToSvg } from "./render.ts";

/**
 * Fonts for charts viewed in a browser: the PNGs' DejaVu Sans first (vega measured text with it),
 * then common sans-serif fallbacks, so a machine without DejaVu does not fall back to a serif face.
 */
export const REPORT_CHART_FONT = "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif";

/**
 * Render a vega-lite spec to SVG markup ready to inline in report.html: the charting library draws it
 * in Node (vega View, renderer "none", toSVG), so the page needs no script. Element ids (gradients,
 * clip paths) get `idPrefix` so several charts on one page cannot capture each other's `url(#…)`
 * references; the root gets `role="img"` and `label` as its accessible name (the report gives the
 * numbers in tables too), and `data-layout="<className>"` when given (the stylesheet picks a layout).
 *
 * @example
 * const svg = await renderInlineChart(confusionMatrixSpec(labels, m), "confusion", "Confusion matrix of 3 classes");
 */
export async function renderInlineChart(
  spec: TopLevelSpec,
  idPrefix: string,
  label: string,
  className?: string,
): Promise<string> {
  const withFont = {
    ...spec,
    // aria: false drops vega's per-mark aria-labels: the root is one labelled image and the numbers are
    // in tables beside it, and the labels were over half of a 17-class confusion matrix's bytes.
    config: { ...(spec as { config?: object }).config, font: REPORT_CHART_FONT, aria: false },
  } as TopLevelSpec;
  const svg = await renderSpecToSvg(withFont);
  return prefixSvgIds(svg, idPrefix).replace(
    /^<svg /,
    `<svg role="img" aria-label="${escapeHtml(label)}" focusable="false" ${className ? `data-layout="${className}" ` : ""}`,
  );
}

/** Prefix every `id` in an SVG string and every local reference to it (`url(#id)`, `href="#id"`). */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  const rename = (id: string) => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_, head: string, id: string) => `${head}#${rename(id)}"`);
}
