/**
 * Writes degraded copies of a face dataset's validation photos (the same duplicate-aware split as
 * `pnpm train --model face`), one folder per variant and class, to measure how the model holds up
 * on photos unlike its training photos:
 *
 *   pnpm tsx trainer/scripts/face-variants.ts --data ../shared/datasets/celeb17 --out /tmp/celeb17-variants
 *   for v in /tmp/celeb17-variants/*; do pnpm evaluate --data $v; done
 *   (--all: every photo with a face, e.g. strangers: --data ../shared/datasets/five-celeb/train --all)
 *
 * Variants: grey (greyscale), blur (Gaussian σ 2 at 800 px), jpeg20 (quality 20), small (longer
 * side 320 px), tilt15 (rotated 15°, filled black), mirror (flipped left–right), dark (brightness
 * 0.45).
 */
import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import sharp, { type Sharp } from "sharp";
import { loadFaceDataset } from "../src/face/embed-dataset.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const data = resolve(opt("--data", "../shared/datasets/celeb17")!);
const out = resolve(opt("--out", "/tmp/celeb17-variants")!);

const VARIANTS: Record<string, (s: Sharp) => Sharp> = {
  grey: (s) => s.greyscale(),
  blur: (s) => s.resize(800, 800, { fit: "inside", withoutEnlargement: true }).blur(2),
  jpeg20: (s) => s,
  small: (s) => s.resize(320, 320, { fit: "inside" }),
  tilt15: (s) => s.rotate(15, { background: "#000" }),
  mirror: (s) => s.flop(),
  dark: (s) => s.modulate({ brightness: 0.45 }),
};

const ds = await loadFaceDataset(data, { seed: Number(opt("--seed", "123")) });
// --all: every photo with a face (e.g. a folder of strangers), not only the validation split.
const photos = args.includes("--all") ? [...ds.train, ...ds.validation] : ds.validation;
let written = 0;
for (const e of photos) {
  for (const [name, make] of Object.entries(VARIANTS)) {
    const dir = join(out, name, ds.classNames[e.label]!);
    await mkdir(dir, { recursive: true });
    await make(sharp(e.file.path).rotate())
      .jpeg({ quality: name === "jpeg20" ? 20 : 90 })
      .toFile(join(dir, `${basename(e.file.path).replace(/\.[^.]+$/, "")}.jpg`));
  }
  written++;
}
console.log(`Wrote ${written} photos × ${Object.keys(VARIANTS).length} variants to ${out}.`);
