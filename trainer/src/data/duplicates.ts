import { hammingDistance, hashWords, popcount32 } from "./perceptual-hash.ts";
import type { DatasetFile } from "./types.ts";
import { UnionFind } from "./union-find.ts";

/** Perceptual hashes of one image (16 hex digits each); see perceptual-hash.ts. */
export interface PerceptualHashes {
  /** DCT hash (pHash). */
  dct: string;
  /** Difference hash (dHash). */
  difference: string;
}

/** How near-duplicates are recognised. */
export interface NearDuplicateOptions {
  /** Which perceptual hash to compare. */
  hash: keyof PerceptualHashes;
  /**
   * Largest Hamming distance (of 64 bits) still called the same photo; 0 turns near-duplicate
   * detection off. The default was chosen by measurement on celeb17 (see DEFAULT_NEAR_DUPLICATES).
   */
  maxDistance: number;
}

/**
 * The near-duplicate rule: DCT hashes at most 6 bits apart are the same photo. Re-encoded, resized
 * and recoloured copies stay within that; different photos never came that close on celeb17. The
 * measurements, and the scripts that take them again, are in trainer/bench/README.md.
 */
export const DEFAULT_NEAR_DUPLICATES: Readonly<NearDuplicateOptions> = Object.freeze({
  hash: "dct",
  maxDistance: 6,
});

/** A set of files that are the same photo. */
export interface DuplicateGroup {
  /** Indices into the files array, ascending. */
  members: number[];
  /** True when every member has the same bytes. */
  exact: boolean;
  /** The distinct classes its members are filed under. */
  classIndices: number[];
}

/** Duplicates among a dataset's files. */
export interface DuplicateReport {
  /** Groups of two or more files, ordered by first member. */
  groups: DuplicateGroup[];
  /**
   * For every file, a unit id shared by all members of its group and unique otherwise;
   * the split keeps each unit on one side.
   */
  unitOf: Int32Array;
  /** Groups whose members are all byte-identical. */
  exactGroups: number;
  /** Groups joined (at least partly) by perceptual hash. */
  nearGroups: number;
  /** Files that belong to some group. */
  filesInDuplicateGroups: number;
  /** Files beyond the first of each group: what deduplication would remove. */
  redundantFiles: number;
  /** Groups whose members sit in different class folders: a labelling conflict. */
  crossClassGroups: DuplicateGroup[];
  /** Pairs of distinct contents joined by perceptual hash, with their distance. */
  nearPairs: { a: number; b: number; distance: number }[];
}

/**
 * Group byte-identical files (same sha256) and, when `hashes` are given, near-identical
 * ones (perceptual hash within `near.maxDistance`), merging transitively with union-find.
 *
 * @param hashes perceptual hashes per file (same order as `files`), or null where unknown.
 * @example
 * const dups = findDuplicates(files, hashes);
 * console.log(`${dups.groups.length} duplicate groups`);
 */
export function findDuplicates(
  files: readonly DatasetFile[],
  hashes: readonly (PerceptualHashes | null)[] | null = null,
  near: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATES,
): DuplicateReport {
  const uf = new UnionFind(files.length);
  // One representative per distinct content; byte-identical files join it directly.
  const firstBySha = new Map<string, number>();
  for (const [i, f] of files.entries()) {
    const first = firstBySha.get(f.sha256);
    if (first === undefined) firstBySha.set(f.sha256, i);
    else uf.union(first, i);
  }

  const nearPairs: DuplicateReport["nearPairs"] = [];
  if (hashes && near.maxDistance > 0) {
    const reps = [...firstBySha.values()].filter((i) => hashes[i]);
    const repHashes = reps.map((i) => hashes[i]![near.hash]);
    for (const [a, b, distance] of nearPairsWithin(repHashes, near.maxDistance)) {
      nearPairs.push({ a: reps[a]!, b: reps[b]!, distance });
      uf.union(reps[a]!, reps[b]!);
    }
  }

  const unitOf = new Int32Array(files.length);
  for (let i = 0; i < files.length; i++) unitOf[i] = uf.find(i);
  const groups: DuplicateGroup[] = uf.groups(2).map((members) => {
    const sha = files[members[0]!]!.sha256;
    return {
      members,
      exact: members.every((m) => files[m]!.sha256 === sha),
      classIndices: [...new Set(members.map((m) => files[m]!.classIndex))].sort((a, b) => a - b),
    };
  });
  const filesInDuplicateGroups = groups.reduce((n, g) => n + g.members.length, 0);
  return {
    groups,
    unitOf,
    exactGroups: groups.filter((g) => g.exact).length,
    nearGroups: groups.filter((g) => !g.exact).length,
    filesInDuplicateGroups,
    redundantFiles: filesInDuplicateGroups - groups.length,
    crossClassGroups: groups.filter((g) => g.classIndices.length > 1),
    nearPairs,
  };
}

/**
 * All pairs (i < j) of hashes within `maxDistance` bits. Uses multi-index hashing: split
 * the 16 hex digits into maxDistance+1 runs; two hashes that close must agree exactly on
 * at least one run (pigeonhole), so only bucket-mates are compared. Falls back to all
 * pairs when the runs would be too short to bucket usefully.
 */
export function nearPairsWithin(hashes: readonly string[], maxDistance: number): [number, number, number][] {
  const n = hashes.length;
  const words = hashes.map(hashWords);
  const out: [number, number, number][] = [];
  const distance = (i: number, j: number) =>
    popcount32((words[i]![0] ^ words[j]![0]) >>> 0) + popcount32((words[i]![1] ^ words[j]![1]) >>> 0);
  const runs = maxDistance + 1;
  if (runs > 16 || n < 2000) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = distance(i, j);
        if (d <= maxDistance) out.push([i, j, d]);
      }
    }
    return out;
  }
  const bounds = Array.from({ length: runs + 1 }, (_, r) => Math.round((r * 16) / runs));
  const buckets = new Map<string, number[]>();
  const seenBy = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < runs; r++) {
      const key = `${r}:${hashes[j]!.slice(bounds[r], bounds[r + 1])}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = [];
        buckets.set(key, bucket);
      }
      for (const i of bucket) {
        if (seenBy[i] === j) continue;
        seenBy[i] = j;
        const d = distance(i, j);
        if (d <= maxDistance) out.push([i, j, d]);
      }
      bucket.push(j);
    }
  }
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

export { hammingDistance };

/** A file of one dataset that is (nearly) the same photo as a file of another. */
export interface CrossDuplicate {
  /** Index into the first dataset's files. */
  a: number;
  /** Index into the second dataset's files. */
  b: number;
  /** Hamming distance of the perceptual hashes; 0 with `exact` for identical bytes. */
  distance: number;
  exact: boolean;
}

/**
 * Photos shared between two datasets, e.g. a training folder and a separate validation
 * folder (five-celeb's train/ and val/ share one), by sha256 and perceptual hash.
 *
 * @example
 * const shared = findCrossDuplicates(train.files, train.hashes, val.files, val.hashes);
 */
export function findCrossDuplicates(
  filesA: readonly DatasetFile[],
  hashesA: readonly PerceptualHashes[],
  filesB: readonly DatasetFile[],
  hashesB: readonly PerceptualHashes[],
  near: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATES,
): CrossDuplicate[] {
  const all = [...hashesA, ...hashesB].map((h) => h[near.hash]);
  const out: CrossDuplicate[] = [];
  const seen = new Set<string>();
  const shaA = new Map<string, number[]>();
  for (const [i, f] of filesA.entries()) shaA.set(f.sha256, [...(shaA.get(f.sha256) ?? []), i]);
  for (const [j, f] of filesB.entries()) {
    for (const i of shaA.get(f.sha256) ?? []) {
      seen.add(`${i}:${j}`);
      out.push({ a: i, b: j, distance: 0, exact: true });
    }
  }
  if (near.maxDistance > 0) {
    for (const [x, y, distance] of nearPairsWithin(all, near.maxDistance)) {
      if (x >= filesA.length || y < filesA.length) continue; // same side
      const j = y - filesA.length;
      if (seen.has(`${x}:${j}`)) continue;
      out.push({ a: x, b: j, distance, exact: false });
    }
  }
  return out.sort((p, q) => p.a - q.a || p.b - q.b);
}
