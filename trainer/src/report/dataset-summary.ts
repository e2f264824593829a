import type { DuplicateReport } from "../data/duplicates.ts";
import { displayPath } from "../data/scan.ts";
import { type DatasetSplit, type Leakage, measureLeakage, naiveSplit } from "../data/split.ts";
import type { DatasetFile, SkippedFile } from "../data/types.ts";

/** One duplicate group as the report shows it: a few member names, not every path. */
export interface DuplicateGroupSummary {
  /** Number of files in the group. */
  size: number;
  /** True when every member has the same bytes. */
  exact: boolean;
  /** Class names its members are filed under (more than one is a labelling conflict). */
  classes: string[];
  /** Up to `examplesPerGroup` member paths, relative to the data folder. */
  examples: string[];
}

/** The data side's findings, plain and serialisable, for report.html. */
export interface DatasetSummary {
  /** The data folder. */
  root: string;
  classNames: string[];
  /** Usable images per class, training and validation. */
  perClass: { train: number[]; validation: number[] };
  validationSplit: number;
  seed: number;
  fingerprint: string;
  duplicates: {
    groups: number;
    exactGroups: number;
    nearGroups: number;
    filesInGroups: number;
    /** Files beyond the first of each group. */
    redundantFiles: number;
    /** The largest groups first, at most `maxGroups`. */
    examples: DuplicateGroupSummary[];
    /** Every group filed under more than one class. */
    crossClass: DuplicateGroupSummary[];
  };
  /** What our duplicate-aware split leaks (0) against Keras' naive split with the same seed. */
  leakage: { ours: Leakage; naive: Leakage } | null;
  /** Files left out, paths relative to the data folder. */
  skipped: SkippedFile[];
}

/** The parts of a loaded dataset the summary reads; an ImageDataset and a FaceDataset have them all. */
export interface DatasetParts {
  root: string;
  classNames: string[];
  /**
   * All usable files; `duplicates` indexes into it. Rebuilt from the split when absent (the split's
   * train and validation indices together cover every file).
   */
  files?: readonly DatasetFile[];
  skipped: readonly SkippedFile[];
  duplicates: DuplicateReport;
  split: DatasetSplit;
  fingerprint: string;
  /** Computed from files and split (naive split with the same seed) when absent. */
  leakage?: { ours: Leakage; naive: Leakage };
}

/**
 * Condense a loaded dataset into what report.html shows: counts per class, duplicate groups with a few
 * example names each (largest first), cross-class groups, the leakage comparison and skipped files.
 *
 * @example
 * const summary = summarizeDataset(ds); // ds from loadImageDataset
 */
export function summarizeDataset(
  parts: DatasetParts,
  options: { maxGroups?: number; examplesPerGroup?: number } = {},
): DatasetSummary {
  const { root, classNames, duplicates, split } = parts;
  const files = parts.files ?? filesFromSplit(split);
  const maxGroups = options.maxGroups ?? 30;
  const perGroup = options.examplesPerGroup ?? 4;
  const count = (side: readonly DatasetFile[]) => {
    const n = classNames.map(() => 0);
    for (const f of side) n[f.classIndex]!++;
    return n;
  };
  const describe = (g: DuplicateReport["groups"][number]): DuplicateGroupSummary => ({
    size: g.members.length,
    exact: g.exact,
    classes: g.classIndices.map((c) => classNames[c] ?? `class ${c}`),
    examples: g.members.slice(0, perGroup).map((m) => displayPath(root, files[m]!.path)),
  });
  const largestFirst = [...duplicates.groups].sort((a, b) => b.members.length - a.members.length);
  let leakage = parts.leakage ?? null;
  if (!leakage && files.length > 0) {
    const naive = naiveSplit(files.length, split.validationSplit, split.seed);
    leakage = {
      ours: measureLeakage(files, duplicates.unitOf, split.trainIndices, split.validationIndices),
      naive: measureLeakage(files, duplicates.unitOf, naive.trainIndices, naive.validationIndices),
    };
  }
  return {
    root,
    classNames: [...classNames],
    perClass: { train: count(split.train), validation: count(split.validation) },
    validationSplit: split.validationSplit,
    seed: split.seed,
    fingerprint: parts.fingerprint,
    duplicates: {
      groups: duplicates.groups.length,
      exactGroups: duplicates.exactGroups,
      nearGroups: duplicates.nearGroups,
      filesInGroups: duplicates.filesInDuplicateGroups,
      redundantFiles: duplicates.redundantFiles,
      examples: largestFirst.slice(0, maxGroups).map(describe),
      crossClass: duplicates.crossClassGroups.map(describe),
    },
    leakage,
    skipped: parts.skipped.map((s) => ({ path: displayPath(root, s.path), reason: s.reason })),
  };
}

/** The files array a split was made from: its index lists place every file. */
function filesFromSplit(split: DatasetSplit): DatasetFile[] {
  const files: DatasetFile[] = [];
  split.trainIndices.forEach((index, k) => {
    files[index] = split.train[k]!;
  });
  split.validationIndices.forEach((index, k) => {
    files[index] = split.validation[k]!;
  });
  return files;
}
