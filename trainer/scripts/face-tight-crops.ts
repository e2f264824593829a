/**
 * Writes tight 112×112 face crops of a face dataset's validation photos (the same duplicate-aware
 * split as `pnpm train --model face`), one folder per class, to check that tight crops are still
 * recognised:
 *
 *   pnpm tsx trainer/scripts/face-tight-crops.ts --data ../shared/datasets/celeb17 --out /tmp/celeb17-crops [--cache-dir DIR]
 *   pnpm evaluate --data /tmp/celeb17-crops
 */
import { mkdir, readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { decodeImage } from "@marquee/shared";
import { findFaces } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import sharp from "sharp";
import { initWasmBackend } from "../src/backend/wasm-node.ts";
import { loadFaceDataset } from "../src/face/embed-dataset.ts";
import { facePolicyFor } from "../src/face/embed-photo.ts";
import { DEFAULT_FACE_PIPELINE, loadPipelineModels } from "../src/face/face-pipeline.ts";
import { tightFaceCrop } from "../src/face/tight-crop.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const data = resolve(opt("--data", "../shared/datasets/celeb17")!);
const out = resolve(opt("--out", "/tmp/face-tight-crops")!);
const size = Number(opt("--size", "112"));
const split = opt("--split", "validation") as "validation" | "train";

await initWasmBackend();
await useNodeWasmDecoders();
const cacheDir = opt("--cache-dir");
const ds = await loadFaceDataset(data, {
  seed: Number(opt("--seed", "123")),
  ...(cacheDir ? { cacheDir: resolve(cacheDir) } : {}),
});
const models = await loadPipelineModels(DEFAULT_FACE_PIPELINE);
let written = 0;
let skipped = 0;
for (const e of ds[split]) {
  const { image } = await decodeImage(new Uint8Array(await readFile(e.file.path)));
  const found = await findFaces(models, image, facePolicyFor(DEFAULT_FACE_PIPELINE));
  const face = found.faces[found.subject];
  if (!face?.landmarks) {
    skipped++;
    continue;
  }
  const crop = tightFaceCrop(image, face.landmarks, size);
  const dir = join(out, ds.classNames[e.label]!);
  await mkdir(dir, { recursive: true });
  await sharp(Buffer.from(crop.data), { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toFile(join(dir, `${basename(e.file.path).replace(/\.[^.]+$/, "")}.jpg`));
  written++;
}
models.dispose();
console.log(
  `Wrote ${written} tight ${size}×${size} crops of ${split} faces to ${out} (${skipped} without a detected face skipped).`,
);
