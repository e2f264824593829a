import sharp from "sharp";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Render a vega-lite spec to SVG text, headless (vega View with renderer "none"). */
export async function renderSpecToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Render a vega-lite spec to PNG bytes: vega draws SVG, sharp (librsvg) rasterises it on a white
 * background. `scale` 2 gives crisp text on high-density screens.
 *
 * @example
 * await writeFile("curves.png", await renderSpecToPng(trainingCurvesSpec(history)));
 */
export async function renderSpecToPng(spec: TopLevelSpec, options: { scale?: number } = {}): Promise<Buffer> {
  const svg = await renderSpecToSvg(spec);
  return sharp(Buffer.from(svg), { density: 72 * (options.scale ?? 2) })
    .flatten({ background: "#ffffff" })
    .png()
    .toBuffer();
}
