import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageCache } from "./image-cache.ts";
import { writeSampleGrid } from "./sample-grid.ts";
import { scanDataset } from "./scan.ts";
import { makeImage, put, tempDir } from "./test-support.ts";
import { type DatasetFile, silentLog } from "./types.ts";

describe("writeSampleGrid", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: DatasetFile[];
  const classNames = ["Robert Downey Jr", 'a <tricky> & "quoted" name that is very long indeed'];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    for (let i = 0; i < 24; i++) {
      await put(dir, `data/${i % 2 ? "b" : "a"}/${String(i).padStart(2, "0")}.jpg`, await makeImage(i));
    }
    files = (await scanDataset(join(dir, "data"), { log: silentLog })).files;
  });
  afterAll(() => cleanup());

  it("writes a 4 × 5 PNG of 20 images with a label strip under each", async () => {
    const out = join(dir, "out/samples.png");
    const result = await writeSampleGrid(files, classNames, out);
    expect(result).toEqual({ width: 8 + 5 * 168, height: 8 + 4 * (160 + 26 + 8), count: 20 });
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", result.width, result.height]);

    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels]!;
    // The label strip of the first tile has dark text pixels; the gap between tiles is white.
    let dark = 0;
    for (let y = 8 + 160; y < 8 + 160 + 26; y++) for (let x = 8; x < 168; x++) if (at(x, y) < 100) dark++;
    expect(dark).toBeGreaterThan(30);
    expect(at(4, 4)).toBe(255);
    // The tile itself is the photo, not background.
    let nonWhite = 0;
    for (let y = 10; y < 160; y += 7) for (let x = 10; x < 160; x += 7) if (at(x, y) < 250) nonWhite++;
    expect(nonWhite).toBeGreaterThan(50);
  });

  it("uses fewer rows for fewer images and can draw the cached model input", async () => {
    const cache = new ImageCache({ dir: join(dir, "cache"), width: 32, height: 32 });
    const out = join(dir, "few.png");
    const result = await writeSampleGrid(files.slice(0, 7), classNames, out, { cellSize: 64, source: cache });
    expect(result).toEqual({ width: 8 + 5 * 72, height: 8 + 2 * (64 + 26 + 8), count: 7 });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([result.width, result.height]);
  });
});
