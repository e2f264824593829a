/**
 * Builds the labelled detection set of the face probes (never committed):
 *
 *   pnpm tsx trainer/scripts/face-probes/embed-celeb.ts --data ../shared/datasets/celeb17   # boxes first
 *   pnpm tsx trainer/scripts/face-probes/build-group-set.ts --celeb17 ../shared/datasets/celeb17 --data /tmp/face-groups
 *
 * - collage/: celeb17 validation faces (seed 123, 10 %, the trainer's duplicate-aware split) pasted
 *   onto generated backgrounds (gradients, noise, stripes, checks): 8 pictures of 1920×1080 with 12
 *   faces each 40–80 px wide, 8 of 1400×1400 with 16 faces 80–200 px, 2 of 4000×3000 (12 MP) with 10
 *   faces 150–400 px. A face is its photo's subject box (tiny detector @416, see embed-celeb.ts) cut
 *   out with 1.9× its size of context, scaled so the box has the wanted width; the label is that box.
 * - samples/: face-api's six demo photos, faces counted by eye: 3, 3, 3, 4, 5, 4 (one face in
 *   sample2 is a strict profile).
 * - noface/: 22 generated pictures without faces: flat colours, uniform and blurred noise,
 *   gradients, stripes, checks, synthetic landscapes (sky, hills, noise), and a 1×1 pixel.
 * labels.json lists every picture with its faces.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RgbImage } from "@marquee/shared";
import sharp from "sharp";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { photoCache } from "./embed-celeb.ts";
import { readRgbFile, required } from "./probe-common.ts";

/** One labelled picture. */
export interface GroupLabel {
  file: string;
  kind: "collage" | "sample" | "noface";
  /** Face boxes (collages), or null when only the count is known (samples). */
  faces: { left: number; top: number; width: number; height: number; label: string }[] | null;
  count: number;
}

let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

function background(width: number, height: number, kind: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  const c0 = [rand() * 255, rand() * 255, rand() * 255];
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const period = 20 + rand() * 200;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let t: number;
      if (kind === 0)
        t = (x / width + y / height) / 2; // gradient
      else if (kind === 1)
        t = rand(); // noise
      else if (kind === 2)
        t = Math.floor((x + y * 0.3) / period) % 2; // stripes
      else if (kind === 3)
        t = (Math.floor(x / period) + Math.floor(y / period)) % 2; // checks
      else t = 0.5 + 0.5 * Math.sin(x / period) * Math.cos(y / (period * 0.7)) * 0.8 + (rand() - 0.5) * 0.2; // waves
      for (let k = 0; k < 3; k++)
        data[(y * width + x) * 3 + k] = Math.max(0, Math.min(255, c0[k]! * (1 - t) + c1[k]! * t));
    }
  return data;
}

function boxBlur(data: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = new Uint8Array(data.length);
  const tmp = new Float32Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        let n = 0;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          s += data[(y * width + xx) * 3 + k]!;
          n++;
        }
        tmp[(y * width + x) * 3 + k] = s / n;
      }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        let n = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          s += tmp[(yy * width + x) * 3 + k]!;
          n++;
        }
        out[(y * width + x) * 3 + k] = s / n;
      }
  return out;
}

async function save(file: string, image: RgbImage, jpeg = true): Promise<void> {
  const s = sharp(Buffer.from(image.data), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  await (jpeg ? s.jpeg({ quality: 92 }) : s.png()).toFile(file);
}

async function main() {
  const out = required("--data");
  const celeb = required("--celeb17");
  for (const d of ["collage", "samples", "noface"]) await mkdir(join(out, d), { recursive: true });
  const labels: GroupLabel[] = [];

  // Validation faces of celeb17, with their subject boxes from the probe cache.
  const scan = await scanDataset(celeb, { log: { info: () => {}, warn: () => {} } });
  const recs = await Promise.all(scan.files.map((f) => photoCache.get(f.sha256)));
  if (recs.some((r) => !r))
    throw new Error("run embed-celeb.ts on --celeb17 first (the probe cache lacks photos)");
  const dups = findDuplicates(
    scan.files,
    recs.map((r) => r!.hashes),
    DEFAULT_NEAR_DUPLICATES,
  );
  const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
  const pool = split.validationIndices.filter((i) => recs[i]!.subject && recs[i]!.subject!.box.width >= 80);
  let next = 0;
  const faceCache = new Map<number, RgbImage>();
  const faceImage = async (i: number) =>
    faceCache.get(i) ?? faceCache.set(i, await readRgbFile(scan.files[i]!.path)).get(i)!;

  const plans = [
    ...Array.from({ length: 8 }, () => ({ w: 1920, h: 1080, n: 12, min: 40, max: 80 })),
    ...Array.from({ length: 8 }, () => ({ w: 1400, h: 1400, n: 16, min: 80, max: 200 })),
    ...Array.from({ length: 2 }, () => ({ w: 4000, h: 3000, n: 10, min: 150, max: 400 })),
  ];
  for (const [p, plan] of plans.entries()) {
    const data = background(plan.w, plan.h, p % 5);
    const cols = Math.ceil(Math.sqrt((plan.n * plan.w) / plan.h));
    const rows = Math.ceil(plan.n / cols);
    const cellW = plan.w / cols;
    const cellH = plan.h / rows;
    const faces: NonNullable<GroupLabel["faces"]> = [];
    for (let k = 0; k < plan.n; k++) {
      const idx = pool[next++ % pool.length]!;
      const rec = recs[idx]!;
      const src = await faceImage(idx);
      const box = rec.subject!.box;
      const want = plan.min + rand() * (plan.max - plan.min);
      const scale = want / box.width;
      // Context square around the box, 1.9× its larger side, cut out and scaled.
      const ctx = Math.max(box.width, box.height) * 1.9;
      const cx = box.left + box.width / 2;
      const cy = box.top + box.height / 2;
      const outSide = Math.min(Math.round(ctx * scale), Math.floor(Math.min(cellW, cellH)));
      const s = outSide / ctx;
      const col = k % cols;
      const row = Math.floor(k / cols);
      const x0 = Math.round(col * cellW + rand() * Math.max(0, cellW - outSide));
      const y0 = Math.round(row * cellH + rand() * Math.max(0, cellH - outSide));
      for (let y = 0; y < outSide; y++)
        for (let x = 0; x < outSide; x++) {
          const sx = Math.round(cx - ctx / 2 + (x + 0.5) / s);
          const sy = Math.round(cy - ctx / 2 + (y + 0.5) / s);
          if (sx < 0 || sy < 0 || sx >= src.width || sy >= src.height) continue;
          const tx = x0 + x;
          const ty = y0 + y;
          if (tx >= plan.w || ty >= plan.h) continue;
          for (let c = 0; c < 3; c++)
            data[(ty * plan.w + tx) * 3 + c] = src.data[(sy * src.width + sx) * 3 + c]!;
        }
      faces.push({
        left: x0 + (box.left - (cx - ctx / 2)) * s,
        top: y0 + (box.top - (cy - ctx / 2)) * s,
        width: box.width * s,
        height: box.height * s,
        label: scan.classNames[scan.files[idx]!.classIndex]!,
      });
    }
    const file = `collage/collage-${String(p).padStart(2, "0")}-${plan.w}x${plan.h}.jpg`;
    await save(join(out, file), { width: plan.w, height: plan.h, data });
    labels.push({ file, kind: "collage", faces, count: faces.length });
  }

  const faceApiDemo = join(
    dirname(
      createRequire(join(process.cwd(), "..", "shared", "package.json")).resolve(
        "@vladmandic/face-api/package.json",
      ),
    ),
    "demo",
  );
  for (const [n, count] of [3, 3, 3, 4, 5, 4].entries()) {
    const file = `samples/sample${n + 1}.jpg`;
    await copyFile(join(faceApiDemo, `sample${n + 1}.jpg`), join(out, file));
    labels.push({ file, kind: "sample", faces: null, count });
  }

  const sizes = [
    [640, 480],
    [1920, 1080],
    [1200, 1200],
  ] as const;
  for (let i = 0; i < 21; i++) {
    const [w, h] = sizes[i % 3]!;
    const kind = Math.floor(i / 3);
    let data: Uint8Array;
    if (kind === 0)
      data = new Uint8Array(w * h * 3).map((_, j) => [30, 160, 60][j % 3]!); // flat green
    else if (kind === 1)
      data = Uint8Array.from({ length: w * h * 3 }, () => rand() * 255); // noise
    else if (kind === 2)
      data = boxBlur(
        Uint8Array.from({ length: w * h * 3 }, () => rand() * 255),
        w,
        h,
        6,
      ); // blurred noise
    else if (kind === 3)
      data = background(w, h, 0); // gradient
    else if (kind === 4)
      data = background(w, h, 2); // stripes
    else if (kind === 5)
      data = background(w, h, 3); // checks
    else {
      // A synthetic landscape: sky gradient, two noisy hill lines, grass texture.
      data = new Uint8Array(w * h * 3);
      const hill1 = Array.from(
        { length: w },
        (_, x) => h * (0.45 + 0.08 * Math.sin(x / 90) + 0.03 * Math.sin(x / 23)),
      );
      const hill2 = Array.from(
        { length: w },
        (_, x) => h * (0.62 + 0.05 * Math.sin(x / 140 + 1) + 0.02 * Math.sin(x / 17)),
      );
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 3;
          const n = (rand() - 0.5) * 30;
          const c =
            y < hill1[x]!
              ? [110 + (y / h) * 100, 160 + (y / h) * 60, 235]
              : y < hill2[x]!
                ? [70 + n, 90 + n, 80 + n]
                : [60 + n, 130 + n, 40 + n];
          data.set(
            c.map((v) => Math.max(0, Math.min(255, v))),
            o,
          );
        }
    }
    const file = `noface/noface-${String(i).padStart(2, "0")}-${w}x${h}.png`;
    await save(join(out, file), { width: w, height: h, data }, false);
    labels.push({ file, kind: "noface", faces: [], count: 0 });
  }
  await save(
    join(out, "noface/one-pixel.png"),
    { width: 1, height: 1, data: new Uint8Array([40, 160, 60]) },
    false,
  );
  labels.push({ file: "noface/one-pixel.png", kind: "noface", faces: [], count: 0 });
  await writeFile(join(out, "labels.json"), JSON.stringify(labels, null, 1));
  const faces = labels.reduce((n, l) => n + l.count, 0);
  console.log(`Wrote ${labels.length} pictures (${faces} faces) and labels.json to ${out}.`);
}

await main();
