/**
 * Open-set rules compared on cached descriptors (embed-celeb.ts fills the cache):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-rules.ts --data ../shared/datasets/celeb17 \
 *       --strangers ../shared/datasets/five-celeb/val,../shared/datasets/five-celeb/train [--kind resnet]
 *
 * Rules (unit-length descriptors, no mean subtraction):
 * - centroid: nearest class centroid, distance to it (today's head);
 * - nn: nearest training exemplar, distance to it;
 * - knnK: class with the smallest mean distance over its K nearest exemplars, that mean;
 * - centroid+nn: class of the nearest centroid, mean of its centroid distance and its nearest exemplar's.
 * Folds and threshold as in probe-descriptors.ts (leave-3-classes-out, ≥ --min-rejected strangers).
 */
import { resolve } from "node:path";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { pickThreshold, type ScoredFace, strangerFolds, tradeOffCurve } from "../../src/face/open-set.ts";
import { type PhotoRecord, photoCache, type TightRecord, tightCache } from "./embed-celeb.ts";
import { type ChipRecord, chipCache, tightChipCache } from "./embed-chips.ts";
// (--edge: tight crops' chips sampled with the edge pixels repeated outside the crop)
import { opt, pct, required } from "./probe-common.ts";

const THRESHOLDS = Array.from({ length: 701 }, (_, i) => Math.round(i * 0.0025 * 1e4) / 1e4);
const quiet = { info: () => {}, warn: () => {} };
const data = required("--data");
const minRejected = Number(opt("--min-rejected", "0.98"));
const kindArg = opt("--kind", "resnet")!;
// --kind cascade:LO:HI — fit on chip+mirror; score with the plain chip, and add the mirror only when
// the plain chip's centroid distance lies in [LO, HI].
const cascade = kindArg.startsWith("cascade:") ? kindArg.split(":").slice(1).map(Number) : null;
let kind = (cascade ? "chipflip" : kindArg) as "resnet" | "faceres13" | "both" | "chip" | "chipflip";
let secondPasses = 0;
let firstPasses = 0;
const scan = await scanDataset(data, { log: quiet });
type Rec = (PhotoRecord | TightRecord) & { chips?: ChipRecord | null };
const withChips = async (
  r: PhotoRecord | TightRecord | null,
  c: Promise<ChipRecord | null>,
): Promise<Rec | null> => (r ? { ...r, chips: await c } : null);
const recs = (await Promise.all(
  scan.files.map(async (f) => withChips(await photoCache.get(f.sha256), chipCache.get(f.sha256))),
)) as (PhotoRecord & { chips?: ChipRecord | null })[];
if (recs.some((r) => !r)) throw new Error("run embed-celeb.ts on --data first");
const tights = await Promise.all(
  scan.files.map(async (f) => withChips(await tightCache.get(f.sha256), tightChipCache.get(f.sha256))),
);
const strangerRecs: Rec[] = [];
for (const dir of (opt("--strangers") ?? "").split(",").filter(Boolean)) {
  const s = await scanDataset(resolve(dir), { log: quiet });
  for (const f of s.files) {
    const r = await photoCache.get(f.sha256);
    if (!r) throw new Error(`run embed-celeb.ts on ${dir} first`);
    strangerRecs.push({ ...r, chips: await chipCache.get(f.sha256) });
  }
}
const dups = findDuplicates(
  scan.files,
  recs.map((r) => r!.hashes),
  DEFAULT_NEAR_DUPLICATES,
);
const labelOf = (i: number) => scan.files[i]!.classIndex;

function unit(v: ArrayLike<number>): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  return Float32Array.from(v, (x) => x / n);
}
function embed(r: Rec | null): Float32Array | null {
  if (kind === "chip") return r?.chips?.chip ? unit(r.chips.chip) : null;
  if (kind === "chipflip") {
    const c = r?.chips;
    return c?.chip && c.mirror ? unit(c.chip.map((x, i) => x + c.mirror![i]!)) : null;
  }
  if (!r?.resnet) return null;
  if (kind === "resnet") return unit(r.resnet);
  if (kind === "faceres13") return r.faceres13 ? unit(r.faceres13) : null;
  const a = unit(r.resnet).map((x) => x * Math.sqrt(0.8));
  const b = unit(r.faceres13!).map((x) => x * Math.sqrt(0.2));
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
const dist = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let k = 0; k < a.length; k++) d += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(d);
};

type Rule = "centroid" | "nn" | "knn2" | "knn3" | "centroid+nn";
const RULES: Rule[] = ["centroid", "nn", "knn2", "knn3", "centroid+nn"];

interface Fitted {
  centroids: Map<number, Float32Array>;
  exemplars: { c: number; v: Float32Array }[];
}
function fit(trainIdx: number[]): Fitted {
  const sums = new Map<number, Float32Array>();
  const exemplars: Fitted["exemplars"] = [];
  for (const i of trainIdx) {
    const e = embed(recs[i]!);
    if (!e) continue;
    exemplars.push({ c: labelOf(i), v: e });
    const s = sums.get(labelOf(i)) ?? new Float32Array(e.length);
    for (let k = 0; k < e.length; k++) s[k]! += e[k]!;
    sums.set(labelOf(i), s);
  }
  return { centroids: new Map([...sums].map(([c, s]) => [c, unit(s)])), exemplars };
}
function score(f: Fitted, rule: Rule, r: Rec | null, actual: number): ScoredFace {
  if (cascade) {
    kind = "chip";
    const first = scoreWith(f, rule, r, actual);
    kind = "chipflip";
    firstPasses++;
    if (first.distance < cascade[0]! || first.distance > cascade[1]!) return first;
    secondPasses++;
  }
  return scoreWith(f, rule, r, actual);
}
function scoreWith(f: Fitted, rule: Rule, r: Rec | null, actual: number): ScoredFace {
  const e = embed(r);
  if (!e) return { predicted: -2, actual, probability: 0, distance: 99 };
  let bc = -1;
  let bcd = Infinity;
  for (const [c, v] of f.centroids) {
    const d = dist(e, v);
    if (d < bcd) [bc, bcd] = [c, d];
  }
  const perClass = new Map<number, number[]>();
  for (const x of f.exemplars) {
    const l = perClass.get(x.c) ?? [];
    l.push(dist(e, x.v));
    perClass.set(x.c, l);
  }
  const kMean = (c: number, k: number) => {
    const l = perClass
      .get(c)!
      .sort((a, b) => a - b)
      .slice(0, k);
    return l.reduce((a, b) => a + b, 0) / l.length;
  };
  if (rule === "centroid") return { predicted: bc, actual, probability: 0, distance: bcd };
  if (rule === "centroid+nn")
    return { predicted: bc, actual, probability: 0, distance: (bcd + kMean(bc, 1)) / 2 };
  const k = rule === "nn" ? 1 : rule === "knn2" ? 2 : 3;
  let best = -1;
  let bd = Infinity;
  for (const c of perClass.keys()) {
    const d = kMean(c, k);
    if (d < bd) [best, bd] = [c, d];
  }
  return { predicted: best, actual, probability: 0, distance: bd };
}

console.log(`descriptor ${kindArg}, unit length; ${strangerRecs.length} extra strangers`);
console.log(
  "| rule | folds known acc.&correct | folds strangers rej. | threshold | val acc.&correct | val top-1 | tight acc.&correct | extra strangers rej. |",
);
console.log("|---|---|---|---|---|---|---|---|");
const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
const hasFace = (i: number) => Boolean(recs[i]!.subject);
for (const rule of RULES.filter((r) => r === "centroid" || !cascade)) {
  const known: ScoredFace[] = [];
  const strangers: ScoredFace[] = [];
  for (const held of strangerFolds(scan.classNames.length, 3, 1)) {
    const isHeld = (i: number) => held.includes(labelOf(i));
    const f = fit(split.trainIndices.filter((i) => !isHeld(i) && hasFace(i)));
    for (const i of split.validationIndices.filter((i) => !isHeld(i)))
      known.push(score(f, rule, recs[i]!, labelOf(i)));
    for (let i = 0; i < scan.files.length; i++)
      if (isHeld(i) && hasFace(i)) strangers.push(score(f, rule, recs[i]!, -1));
  }
  const pick = pickThreshold(tradeOffCurve("distance", known, strangers, THRESHOLDS), minRejected);
  const f = fit(split.trainIndices.filter(hasFace));
  const val = split.validationIndices.map((i) => score(f, rule, recs[i]!, labelOf(i)));
  const tight = split.validationIndices
    .filter(hasFace)
    .map((i) => score(f, rule, tights[i] ?? null, labelOf(i)));
  const extra = strangerRecs.map((r) => score(f, rule, r, -1));
  const at = (faces: ScoredFace[]) => tradeOffCurve("distance", faces, extra, [pick.threshold])[0]!;
  console.log(
    `| ${rule} | ${pct(pick.knownAcceptedCorrect)} | ${pct(pick.strangersRejected)} | ${pick.threshold} | ${pct(at(val).knownAcceptedCorrect)} | ${pct(val.filter((v) => v.predicted === v.actual).length / val.length)} | ${pct(at(tight).knownAcceptedCorrect)} | ${pct(at(val).strangersRejected)} |`,
  );
}
if (cascade)
  console.log(`second passes: ${secondPasses}/${firstPasses} = ${pct(secondPasses / firstPasses)}`);
