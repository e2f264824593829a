/**
 * Evidence for the near-duplicate threshold: how far perceptual hashes move when a photo is
 * re-encoded, resized, cropped or recoloured (copies that should group), compared with the
 * distances between different photos in the same folder (which must not group).
 *
 *   pnpm tsx scripts/near-duplicate-threshold.ts <data dir> [--samples 200]
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { decodeImage } from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import sharp, { type Sharp } from "sharp";
import { dctHash, differenceHash, hammingDistance, scanDataset, silentLog } from "../src/data/index.ts";
import { seededRandom, shuffleInPlace } from "../src/util/random.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { samples: { type: "string", default: "200" } },
});
const dir = positionals[0];
if (!dir) throw new Error("usage: near-duplicate-threshold.ts <data dir> [--samples 200]");
await useNodeWasmDecoders();

const scan = await scanDataset(dir, { log: silentLog });
const distinct = [...new Map(scan.files.map((f) => [f.sha256, f])).values()];
const sample = shuffleInPlace(distinct, seededRandom(7)).slice(0, Number(values.samples));

type Variant = (img: Sharp, w: number, h: number) => Sharp;
const variants: Record<string, Variant> = {
  "jpeg q30": (s) => s.jpeg({ quality: 30 }),
  "jpeg q90": (s) => s.jpeg({ quality: 90 }),
  "png (lossless)": (s) => s.png(),
  "resize 50%": (s, w, h) => s.resize(Math.round(w / 2), Math.round(h / 2)).jpeg({ quality: 85 }),
  "thumbnail 160px": (s) => s.resize(160, 160, { fit: "inside" }).jpeg({ quality: 85 }),
  "upscale 150%": (s, w, h) => s.resize(Math.round(w * 1.5), Math.round(h * 1.5)).jpeg({ quality: 85 }),
  "crop 3% border": (s, w, h) =>
    s
      .extract({
        left: Math.round(w * 0.03),
        top: Math.round(h * 0.03),
        width: Math.round(w * 0.94),
        height: Math.round(h * 0.94),
      })
      .jpeg(),
  "brightness +15%": (s) => s.modulate({ brightness: 1.15 }).jpeg(),
  "saturation 0 (grey)": (s) => s.modulate({ saturation: 0 }).jpeg(),
  "blur sigma 1.5": (s) => s.blur(1.5).jpeg(),
  "aspect 90% width": (s, w, h) => s.resize(Math.round(w * 0.9), h, { fit: "fill" }).jpeg(),
  "webp q75": (s) => s.webp({ quality: 75 }),
};

async function hashes(bytes: Uint8Array) {
  const { image } = await decodeImage(bytes);
  return { dct: dctHash(image), difference: differenceHash(image) };
}

const results: Record<string, { dct: number[]; difference: number[] }> = {};
for (const f of sample) {
  const bytes = new Uint8Array(await readFile(f.path));
  const base = await hashes(bytes);
  const { width, height } = await sharp(bytes).metadata();
  for (const [name, make] of Object.entries(variants)) {
    const out = new Uint8Array(await make(sharp(bytes).rotate(), width!, height!).toBuffer());
    if (createHash("sha256").update(out).digest("hex") === f.sha256) continue;
    const h = await hashes(out);
    results[name] ??= { dct: [], difference: [] };
    const r = results[name];
    r.dct.push(hammingDistance(base.dct, h.dct));
    r.difference.push(hammingDistance(base.difference, h.difference));
  }
}

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.log(`Copies of ${sample.length} distinct photos from ${dir}: Hamming distance copy↔original`);
console.log("variant                 pHash mean  p95  max   | dHash mean  p95  max");
for (const [name, r] of Object.entries(results)) {
  const m = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2).padStart(10);
  console.log(
    `${name.padEnd(22)} ${m(r.dct)} ${String(q(r.dct, 0.95)).padStart(4)} ${String(Math.max(...r.dct)).padStart(4)}   | ${m(r.difference)} ${String(q(r.difference, 0.95)).padStart(4)} ${String(Math.max(...r.difference)).padStart(4)}`,
  );
}
