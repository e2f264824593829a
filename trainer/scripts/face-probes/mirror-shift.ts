/**
 * How far the mirrored pass moves a face's distance to its nearest centroid: |d(chip+mirror) −
 * d(chip)| over celeb17 photos and --strangers, centroids from the chip+mirror descriptors of the
 * trainer's training split (embed-chips.ts fills the cache). Sizes MIRROR_PASS_BAND.
 *
 *   pnpm tsx trainer/scripts/face-probes/mirror-shift.ts --data ../shared/datasets/celeb17 --strangers DIR[,DIR]
 */
import { resolve } from "node:path";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { photoCache } from "./embed-celeb.ts";
import { chipCache } from "./embed-chips.ts";
import { opt, required } from "./probe-common.ts";

const quiet = { info: () => {}, warn: () => {} };
const scan = await scanDataset(required("--data"), { log: quiet });
const recs = await Promise.all(scan.files.map((f) => photoCache.get(f.sha256)));
const chips = await Promise.all(scan.files.map((f) => chipCache.get(f.sha256)));
const dups = findDuplicates(
  scan.files,
  recs.map((r) => r!.hashes),
  DEFAULT_NEAR_DUPLICATES,
);
const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
const unit = (v: ArrayLike<number>) => {
  const n = Math.hypot(...Array.from(v)) || 1;
  return Float32Array.from(v, (x) => x / n);
};
const both = (c: { chip: number[] | null; mirror: number[] | null } | null) =>
  c?.chip && c.mirror ? unit(c.chip.map((x, i) => x + c.mirror![i]!)) : null;
const sums = new Map<number, Float32Array>();
for (const i of split.trainIndices) {
  const e = both(chips[i] ?? null);
  if (!e) continue;
  const c = scan.files[i]!.classIndex;
  const s = sums.get(c) ?? new Float32Array(128);
  e.forEach((x, k) => {
    s[k]! += x;
  });
  sums.set(c, s);
}
const centroids = [...sums.values()].map(unit);
const nearest = (e: Float32Array) =>
  Math.min(...centroids.map((c) => Math.hypot(...Array.from(e, (x, k) => x - c[k]!))));
const shifts: { plain: number; shift: number }[] = [];
const add = (c: { chip: number[] | null; mirror: number[] | null } | null) => {
  if (!c?.chip || !c.mirror) return;
  const plain = nearest(unit(c.chip));
  shifts.push({ plain, shift: nearest(both(c)!) - plain });
};
for (const i of split.validationIndices) add(chips[i] ?? null);
for (const dir of (opt("--strangers") ?? "").split(",").filter(Boolean)) {
  const s = await scanDataset(resolve(dir), { log: quiet });
  for (const f of s.files) add(await chipCache.get(f.sha256));
}
const abs = shifts.map((s) => Math.abs(s.shift)).sort((a, b) => a - b);
const q = (p: number) => abs[Math.min(abs.length - 1, Math.floor(p * abs.length))]!.toFixed(4);
console.log(
  `${shifts.length} faces: |shift| median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)}; ` +
    `mean shift ${(shifts.reduce((a, s) => a + s.shift, 0) / shifts.length).toFixed(4)} (negative: the average sits closer)`,
);
