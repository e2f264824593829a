/**
 * Descriptor comparison on celeb17 (and strangers) from the probe cache filled by embed-celeb.ts:
 *
 *   pnpm tsx trainer/scripts/face-probes/embed-celeb.ts --data ../shared/datasets/celeb17 --tight
 *   pnpm tsx trainer/scripts/face-probes/embed-celeb.ts --data ../shared/datasets/five-celeb/val
 *   pnpm tsx trainer/scripts/face-probes/probe-descriptors.ts --data ../shared/datasets/celeb17 \
 *       --strangers ../shared/datasets/five-celeb/val [--min-rejected 0.98]
 *
 * Classifier: nearest class centroid. Each descriptor has the training photos' mean subtracted and
 * is scaled to unit length; the concatenation joins two such vectors (÷√2). Distance = Euclidean
 * to the nearest unit centroid; "unknown" beyond the threshold.
 * - top-1: the trainer's duplicate-aware split (seed 123, 10 %), and 5 more splits (seeds 1–5, 20 %).
 * - open set: the trainer's leave-3-classes-out folds (strangerFolds(17, 3, 1)); per fold the
 *   centroids and mean come from the known classes' training photos, the known faces are their
 *   validation photos, the strangers every photo of the held-out classes. Threshold: shared
 *   open-set.ts pickThreshold (most known accepted-and-correct while rejecting ≥ --min-rejected).
 * - That threshold is then used by the full 17-class model on: validation photos, tight 112×112
 *   crops of them (a crop without detection evidence counts as a failure), and --strangers.
 */
import { resolve } from "node:path";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { pickThreshold, type ScoredFace, strangerFolds, tradeOffCurve } from "../../src/face/open-set.ts";
import { type PhotoRecord, photoCache, type TightRecord, tightCache } from "./embed-celeb.ts";
import { median, opt, pct, required } from "./probe-common.ts";

type Kind = "resnet" | "faceres13" | "faceres10" | "resnet+faceres13";
const KINDS: Kind[] = ["resnet", "faceres13", "faceres10", "resnet+faceres13"];
const THRESHOLDS = Array.from({ length: 701 }, (_, i) => Math.round(i * 0.0025 * 1e4) / 1e4);

const quiet = { info: () => {}, warn: () => {} };
const data = required("--data");
const minRejected = Number(opt("--min-rejected", "0.98"));
const scan = await scanDataset(data, { log: quiet });
const recs = (await Promise.all(scan.files.map((f) => photoCache.get(f.sha256)))) as (PhotoRecord | null)[];
if (recs.some((r) => !r)) throw new Error("run embed-celeb.ts on --data first");
const tights = await Promise.all(scan.files.map((f) => tightCache.get(f.sha256)));
const strangerDir = opt("--strangers");
const strangerRecs: PhotoRecord[] = [];
// --strangers DIR[,DIR…]: every photo is a stranger to the 17-class model.
for (const dir of strangerDir ? strangerDir.split(",") : []) {
  const s = await scanDataset(resolve(dir), { log: quiet });
  for (const f of s.files) {
    const r = await photoCache.get(f.sha256);
    if (!r) throw new Error(`run embed-celeb.ts on ${dir} first`);
    strangerRecs.push(r);
  }
}
const dups = findDuplicates(
  scan.files,
  recs.map((r) => r!.hashes),
  DEFAULT_NEAR_DUPLICATES,
);
const labelOf = (i: number) => scan.files[i]!.classIndex;

function raw(
  r: PhotoRecord | TightRecord | null,
  kind: "resnet" | "faceres13" | "faceres10",
): Float32Array | null {
  const v = r?.[kind];
  return v ? Float32Array.from(v) : null;
}

/** A fitted descriptor space: per-part training means, class centroids. */
interface Space {
  embed(r: PhotoRecord | TightRecord | null): Float32Array | null;
  centroids: Map<number, Float32Array>;
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

/** Subtract the training mean before scaling to unit length (--mean none: plain unit length). */
const subtractMean = opt("--mean", "train") !== "none";
/** Rejection score: "distance" to the nearest centroid, or "ratio" nearest / second-nearest distance. */
const rule = opt("--rule", "distance") as "distance" | "ratio";
/** Share of the concatenation's length given to the ResNet part (--weight 0.5: equal halves). */
const resnetWeight = Number(opt("--weight", "0.5"));

function fit(kind: Kind, trainIdx: number[]): Space {
  const parts = kind === "resnet+faceres13" ? (["resnet", "faceres13"] as const) : ([kind] as const);
  const means = parts.map((p) => {
    let m: Float32Array | null = null;
    let n = 0;
    for (const i of trainIdx) {
      const v = raw(recs[i]!, p);
      if (!v) continue;
      m ??= new Float32Array(v.length);
      for (let k = 0; k < v.length; k++) m[k]! += v[k]!;
      n++;
    }
    return subtractMean ? m!.map((x) => x / n) : new Float32Array(m!.length);
  });
  const embed = (r: PhotoRecord | TightRecord | null) => {
    const vs = parts.map((p, j) => {
      const v = raw(r, p);
      return v ? unit(v.map((x, k) => x - means[j]![k]!)) : null;
    });
    if (vs.some((v) => !v)) return null;
    if (vs.length === 1) return vs[0]!;
    const out = new Float32Array(vs.reduce((n, v) => n + v!.length, 0));
    let o = 0;
    for (const [j, v] of vs.entries()) {
      const w = Math.sqrt(j === 0 ? resnetWeight : 1 - resnetWeight);
      out.set(
        v!.map((x) => x * w),
        o,
      );
      o += v!.length;
    }
    return out;
  };
  const sums = new Map<number, Float32Array>();
  for (const i of trainIdx) {
    const e = embed(recs[i]!);
    if (!e) continue;
    const s = sums.get(labelOf(i)) ?? new Float32Array(e.length);
    for (let k = 0; k < e.length; k++) s[k]! += e[k]!;
    sums.set(labelOf(i), s);
  }
  return { embed, centroids: new Map([...sums].map(([c, s]) => [c, unit(s)])) };
}

function score(space: Space, r: PhotoRecord | TightRecord | null, actual: number): ScoredFace | null {
  const e = space.embed(r);
  if (!e) return null;
  let best = -1;
  let bestD = Infinity;
  let secondD = Infinity;
  for (const [c, v] of space.centroids) {
    let d = 0;
    for (let k = 0; k < e.length; k++) d += (e[k]! - v[k]!) ** 2;
    if (d < bestD) {
      secondD = bestD;
      bestD = d;
      best = c;
    } else if (d < secondD) secondD = d;
  }
  const distance = rule === "ratio" ? Math.sqrt(bestD / secondD) : Math.sqrt(bestD);
  return { predicted: best, actual, probability: 0, distance };
}

const missing = (n: number): ScoredFace[] =>
  Array.from({ length: n }, () => ({ predicted: -2, actual: 0, probability: 0, distance: 99 }));

console.log(
  `rule ${opt("--rule", "distance")}, mean ${opt("--mean", "train")}, concatenation weight ${resnetWeight}\n| descriptor | top-1 val (seed 123) | top-1 5×20 % splits | folds: known acc.&correct | folds: strangers rejected | threshold | val acc.&correct | tight crops top-1 / acc.&correct (evidence found) | five-celeb strangers rejected | ms/face |`,
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const kind of KINDS) {
  const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
  const hasFace = (i: number) => Boolean(recs[i]!.subject);
  const top1 = (trainIdx: number[], valIdx: number[]) => {
    const space = fit(kind, trainIdx.filter(hasFace));
    let ok = 0;
    for (const i of valIdx) if (score(space, recs[i]!, labelOf(i))?.predicted === labelOf(i)) ok++;
    return [ok, valIdx.length];
  };
  const [ok0, n0] = top1(split.trainIndices, split.validationIndices);
  let okR = 0;
  let nR = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const s = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.2, seed });
    const [a, b] = top1(s.trainIndices, s.validationIndices);
    okR += a!;
    nR += b!;
  }
  // Leave-3-classes-out folds.
  const known: ScoredFace[] = [];
  const strangers: ScoredFace[] = [];
  for (const held of strangerFolds(scan.classNames.length, 3, 1)) {
    const isHeld = (i: number) => held.includes(labelOf(i));
    const space = fit(
      kind,
      split.trainIndices.filter((i) => !isHeld(i) && hasFace(i)),
    );
    for (const i of split.validationIndices.filter((i) => !isHeld(i)))
      known.push(score(space, recs[i]!, labelOf(i)) ?? missing(1)[0]!);
    for (let i = 0; i < scan.files.length; i++)
      if (isHeld(i) && hasFace(i)) strangers.push(score(space, recs[i]!, -1)!);
  }
  const pick = pickThreshold(tradeOffCurve("distance", known, strangers, THRESHOLDS), minRejected);
  // Full model at that threshold.
  const space = fit(kind, split.trainIndices.filter(hasFace));
  const val = split.validationIndices.map((i) => score(space, recs[i]!, labelOf(i)) ?? missing(1)[0]!);
  const tightIdx = split.validationIndices.filter((i) => hasFace(i));
  const tight = tightIdx.map((i) => score(space, tights[i] ?? null, labelOf(i)) ?? missing(1)[0]!);
  const evidence = tightIdx.filter((i) => tights[i]?.evidence).length;
  const strangerScores = strangerRecs.map((r) => score(space, r, -1) ?? missing(1)[0]!);
  const at = (faces: ScoredFace[]) => tradeOffCurve("distance", faces, strangerScores, [pick.threshold])[0]!;
  const ms = recs
    .filter((r) => r!.ms)
    .map((r) =>
      kind === "resnet"
        ? r!.ms!.resnet
        : kind === "resnet+faceres13"
          ? r!.ms!.resnet + r!.ms!.faceres
          : r!.ms!.faceres,
    );
  console.log(
    `| ${kind} | ${pct(ok0! / n0!)} (${ok0}/${n0}) | ${pct(okR / nR)} (${okR}/${nR}) | ${pct(pick.knownAcceptedCorrect)} | ${pct(pick.strangersRejected)} | ${pick.threshold} | ${pct(at(val).knownAcceptedCorrect)} | ${pct(tight.filter((t) => t.predicted === t.actual).length / tight.length)} / ${pct(at(tight).knownAcceptedCorrect)} (${evidence}/${tightIdx.length}) | ${strangerDir ? `${pct(at(val).strangersRejected)} (${strangerRecs.length})` : "–"} | ${median(ms).toFixed(0)} |`,
  );
}
