import { MarqueeError } from "@marquee/shared";
import { seededRandom, shuffleInPlace } from "../util/random.ts";
import type { DatasetFile } from "./types.ts";

/** Options for {@link splitDataset}; the defaults are the tutorial's. */
export interface SplitOptions {
  /** Share of images held out for validation, 0 ≤ x < 1. Default 0.1. */
  validationSplit?: number;
  /** Default 123. */
  seed?: number;
}

/** A train/validation split, as indices into the files array and as the files themselves. */
export interface DatasetSplit {
  /** Training files in a seeded random order (like Keras, which shuffles the file list once). */
  train: DatasetFile[];
  validation: DatasetFile[];
  trainIndices: number[];
  validationIndices: number[];
  validationSplit: number;
  seed: number;
}

/**
 * Split files into train and validation, deterministically for a seed, stratified per class,
 * and never separating a duplicate group: every member of a unit (see `unitOf` from
 * findDuplicates) lands on the same side, so validation holds no copy of a training photo.
 *
 * Each class gets its share of validation images by largest remainder, so the total is
 * `floor(n × validationSplit)` as in Keras. A group filed under several classes counts
 * towards the class most of its members are in.
 *
 * @param unitOf per file, the id of its duplicate group (unique for files without copies);
 *   omit to treat every file as its own unit.
 * @example
 * const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
 */
export function splitDataset(
  files: readonly DatasetFile[],
  unitOf: ArrayLike<number> | null = null,
  options: SplitOptions = {},
): DatasetSplit {
  const validationSplit = options.validationSplit ?? 0.1;
  const seed = options.seed ?? 123;
  if (!(validationSplit >= 0 && validationSplit < 1)) {
    throw new MarqueeError(
      "bad_request",
      `validationSplit must be at least 0 and below 1; got ${validationSplit}.`,
    );
  }
  const units = collectUnits(files, unitOf);

  // Per-class targets by largest remainder, so they sum to floor(n × split).
  const classCount = new Map<number, number>();
  for (const u of units) classCount.set(u.classIndex, (classCount.get(u.classIndex) ?? 0) + u.members.length);
  const classes = [...classCount.keys()].sort((a, b) => a - b);
  const target = new Map<number, number>();
  const remainders: { c: number; r: number }[] = [];
  let assigned = 0;
  for (const c of classes) {
    const exact = classCount.get(c)! * validationSplit;
    target.set(c, Math.floor(exact));
    assigned += Math.floor(exact);
    remainders.push({ c, r: exact - Math.floor(exact) });
  }
  const total = Math.floor(files.length * validationSplit);
  remainders.sort((a, b) => b.r - a.r || a.c - b.c);
  for (let k = 0; assigned < total && k < remainders.length; k++, assigned++) {
    const c = remainders[k]!.c;
    target.set(c, target.get(c)! + 1);
  }

  const rand = seededRandom(seed, 0x5911);
  const validationIndices: number[] = [];
  const trainIndices: number[] = [];
  for (const c of classes) {
    const classUnits = shuffleInPlace(
      units.filter((u) => u.classIndex === c),
      rand,
    );
    const want = target.get(c)!;
    let have = 0;
    for (const u of classUnits) {
      const size = u.members.length;
      // Take a unit when it moves the count closer to the target; big groups may overshoot
      // by less than half their size rather than always falling to the training side.
      if (want > 0 && Math.abs(have + size - want) < Math.abs(have - want)) {
        validationIndices.push(...u.members);
        have += size;
      } else {
        trainIndices.push(...u.members);
      }
    }
  }
  trainIndices.sort((a, b) => a - b);
  validationIndices.sort((a, b) => a - b);
  shuffleInPlace(trainIndices, seededRandom(seed, 0x7a1));
  shuffleInPlace(validationIndices, seededRandom(seed, 0x7a2));
  return splitFromIndices(files, trainIndices, validationIndices, validationSplit, seed);
}

/**
 * A {@link DatasetSplit} over `files` (any element type) from its index lists, which it keeps as
 * they are: the files are taken in the lists' order.
 *
 * @example
 * const split = splitFromIndices(files, [2, 0], [1], 1 / 3, 123); // train = [files[2], files[0]]
 */
export function splitFromIndices<F>(
  files: readonly F[],
  trainIndices: number[],
  validationIndices: number[],
  validationSplit: number,
  seed: number,
): Omit<DatasetSplit, "train" | "validation"> & { train: F[]; validation: F[] } {
  return {
    train: trainIndices.map((i) => files[i]!),
    validation: validationIndices.map((i) => files[i]!),
    trainIndices,
    validationIndices,
    validationSplit,
    seed,
  };
}

interface Unit {
  members: number[];
  classIndex: number;
}

/** Units sorted by first member, so the result does not depend on Map iteration quirks. */
function collectUnits(files: readonly DatasetFile[], unitOf: ArrayLike<number> | null): Unit[] {
  const byId = new Map<number, number[]>();
  for (let i = 0; i < files.length; i++) {
    const id = unitOf ? unitOf[i]! : i;
    let members = byId.get(id);
    if (!members) {
      members = [];
      byId.set(id, members);
    }
    members.push(i);
  }
  const units: Unit[] = [];
  for (const members of byId.values()) units.push({ members, classIndex: majorityClass(files, members) });
  return units.sort((a, b) => a.members[0]! - b.members[0]!);
}

function majorityClass(files: readonly DatasetFile[], members: number[]): number {
  const votes = new Map<number, number>();
  for (const m of members) votes.set(files[m]!.classIndex, (votes.get(files[m]!.classIndex) ?? 0) + 1);
  let best = -1;
  let bestVotes = -1;
  for (const [c, v] of votes) if (v > bestVotes || (v === bestVotes && c < best)) [best, bestVotes] = [c, v];
  return best;
}

/**
 * The split Keras' `image_dataset_from_directory(validation_split, seed)` makes: shuffle all
 * files, the last `floor(n × split)` are validation. Not stratified, blind to duplicates.
 * Used only to report what such a split would leak.
 */
export function naiveSplit(
  fileCount: number,
  validationSplit = 0.1,
  seed = 123,
): { trainIndices: number[]; validationIndices: number[] } {
  const order = shuffleInPlace(
    Array.from({ length: fileCount }, (_, i) => i),
    seededRandom(seed, 0x6e41),
  );
  const valCount = Math.floor(fileCount * validationSplit);
  return {
    trainIndices: order.slice(0, fileCount - valCount),
    validationIndices: order.slice(fileCount - valCount),
  };
}

/** How many validation images have a copy in training. */
export interface Leakage {
  validationImages: number;
  /** Validation files whose exact bytes are also in training. */
  exactLeaks: number;
  /** Validation files with any duplicate-group member (exact or near) in training. */
  groupLeaks: number;
}

/**
 * Count validation images that also appear (byte-identical, or in the same duplicate group)
 * in training. Zero for {@link splitDataset}; usually not for {@link naiveSplit}.
 */
export function measureLeakage(
  files: readonly DatasetFile[],
  unitOf: ArrayLike<number>,
  trainIndices: readonly number[],
  validationIndices: readonly number[],
): Leakage {
  const trainSha = new Set(trainIndices.map((i) => files[i]!.sha256));
  const trainUnits = new Set(trainIndices.map((i) => unitOf[i]!));
  let exactLeaks = 0;
  let groupLeaks = 0;
  for (const i of validationIndices) {
    if (trainSha.has(files[i]!.sha256)) exactLeaks++;
    if (trainUnits.has(unitOf[i]!)) groupLeaks++;
  }
  return { validationImages: validationIndices.length, exactLeaks, groupLeaks };
}
