import { randomBytes } from "node:crypto";
import { mkdir, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import sharp from "sharp";
import type { SampleSource } from "./batches.ts";
import type { DatasetFile } from "./types.ts";

/** Layout options for {@link writeSampleGrid}. */
export interface SampleGridOptions {
  /** Default 5. */
  columns?: number;
  /** Default 4. */
  rows?: number;
  /** Side of each image tile in pixels. Default 160. */
  cellSize?: number;
  /**
   * Draw the preprocessed pixels from this source (what the model sees) instead of the
   * original photos.
   */
  source?: SampleSource;
}

const LABEL_HEIGHT = 26;
const GAP = 8;
const FONT_SIZE = 14;

/**
 * Write a PNG of the first rows × columns (default 4 × 5 = 20) files with their class names
 * under each, like the tutorial's sample grid. Images are stretched to square tiles, as the
 * default `fit: stretch` preprocessing does; EXIF orientation is applied. A photo that cannot
 * be read becomes a grey tile labelled "(unreadable)". Written atomically.
 *
 * @example
 * await writeSampleGrid(split.train, classNames, "out/samples.png");
 * @returns the image's size and the number of tiles drawn.
 */
export async function writeSampleGrid(
  files: readonly DatasetFile[],
  classNames: readonly string[],
  outPath: string,
  options: SampleGridOptions = {},
): Promise<{ width: number; height: number; count: number }> {
  const columns = options.columns ?? 5;
  const rows = options.rows ?? 4;
  const cell = options.cellSize ?? 160;
  const chosen = files.slice(0, columns * rows);
  const usedRows = Math.max(1, Math.ceil(chosen.length / columns));
  const width = GAP + columns * (cell + GAP);
  const height = GAP + usedRows * (cell + LABEL_HEIGHT + GAP);

  const labels: string[] = [];
  const tiles = await Promise.all(
    chosen.map(async (file, k) => {
      const left = GAP + (k % columns) * (cell + GAP);
      const top = GAP + Math.floor(k / columns) * (cell + LABEL_HEIGHT + GAP);
      let input: Buffer;
      let label = classNames[file.classIndex] ?? `class ${file.classIndex}`;
      try {
        input = await renderTile(file, cell, options.source);
      } catch {
        input = await sharp({ create: { width: cell, height: cell, channels: 3, background: "#bbbbbb" } })
          .png()
          .toBuffer();
        label = `${label} (unreadable)`;
      }
      labels.push(svgLabel(label, left + cell / 2, top + cell + LABEL_HEIGHT - 8, cell));
      return { input, left, top };
    }),
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${labels.join("")}</svg>`;

  await mkdir(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
      .composite([...tiles, { input: Buffer.from(svg), left: 0, top: 0 }])
      .png()
      .toFile(tmp);
    await rename(tmp, outPath);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return { width, height, count: chosen.length };
}

async function renderTile(file: DatasetFile, cell: number, source?: SampleSource): Promise<Buffer> {
  if (source) {
    const pixels = new Float32Array(source.sampleLength);
    await source.readInto(file, pixels, 0);
    const bytes = Buffer.alloc(pixels.length);
    for (let i = 0; i < pixels.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round(pixels[i]!)));
    return sharp(bytes, { raw: { width: source.width, height: source.height, channels: 3 } })
      .resize(cell, cell, { fit: "fill" })
      .png()
      .toBuffer();
  }
  return sharp(file.path, { limitInputPixels: 40_000_000 })
    .rotate()
    .flatten({ background: "#ffffff" })
    .resize(cell, cell, { fit: "fill" })
    .png()
    .toBuffer();
}

function svgLabel(text: string, x: number, y: number, maxWidth: number): string {
  // Squeeze long names into the tile rather than letting them run into the neighbour.
  const estimated = text.length * FONT_SIZE * 0.6;
  const fit = estimated > maxWidth - 4 ? ` textLength="${maxWidth - 4}" lengthAdjust="spacingAndGlyphs"` : "";
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${FONT_SIZE}" text-anchor="middle" fill="#111111"${fit}>${escapeXml(text)}</text>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
