import type { DecodeLimits, ModelMetadata, Preprocessing } from "@marquee/shared";
import { BatchIterator, type BatchOptions } from "./batches.ts";
import type { CacheDtype } from "./cache-entry.ts";
import {
  DEFAULT_NEAR_DUPLICATES,
  type DuplicateReport,
  findDuplicates,
  type NearDuplicateOptions,
  type PerceptualHashes,
} from "./duplicates.ts";
import { datasetFingerprint } from "./fingerprint.ts";
import { ImageCache } from "./image-cache.ts";
import { kerasSplit } from "./keras-split.ts";
import { prepareImages } from "./prepare.ts";
import { assertUsable, displayPath, scanDataset } from "./scan.ts";
import {
  type DatasetSplit,
  type Leakage,
  measureLeakage,
  naiveSplit,
  splitDataset,
  splitFromIndices,
} from "./split.ts";
import { consoleLog, type DataLog, type DatasetFile, type SkippedFile } from "./types.ts";
import { fixedSplit, validationClassMap } from "./validation-folder.ts";

/** Options for {@link loadImageDataset}. Defaults are the tutorial's. */
export interface LoadDatasetOptions {
  /** Model input size; a number means square. Default 224. */
  imageSize?: number | { width: number; height: number };
  fit?: Preprocessing["fit"];
  /** Default 0.1. Ignored with `validationDir`. */
  validationSplit?: number;
  /** An existing validation folder (same class folder names) used instead of splitting `dir`. */
  validationDir?: string;
  /** Default 123. */
  seed?: number;
  /** Decode cache folder; default `defaultCacheDir()` (~/.cache/marquee). */
  cacheDir?: string;
  cacheDtype?: CacheDtype;
  /** Near-duplicate rule; `{ maxDistance: 0 }` keeps only byte-identical grouping. */
  nearDuplicates?: Partial<NearDuplicateOptions>;
  limits?: Partial<DecodeLimits>;
  log?: DataLog;
  /** Progress bar while decoding; default when stderr is a terminal. */
  progress?: boolean;
  /** Decode worker threads for filling the cache; see PrepareOptions.workers. */
  workers?: number;
  /** Fewer classes with usable images is an error. Default 2 (training); evaluation may pass 1. */
  minClasses?: number;
  /**
   * "duplicate-aware" (default): stratified, duplicate groups kept on one side. "random": Keras'
   * own split (numpy-seeded shuffle, last share to validation; see keras-split.ts), leaks and all.
   */
  split?: "duplicate-aware" | "random";
}

/** A loaded, cached, de-duplicated and split dataset, ready to iterate. */
export interface ImageDataset {
  root: string;
  classNames: string[];
  /** Usable files (scan and full decode both passed). */
  files: DatasetFile[];
  /** Perceptual hashes parallel to `files`. */
  hashes: PerceptualHashes[];
  /** Everything left out: scan failures, then decode failures. */
  skipped: SkippedFile[];
  duplicates: DuplicateReport;
  split: DatasetSplit;
  /** What the duplicate-aware split leaks (0) and what Keras' naive split with the same seed would. */
  leakage: { ours: Leakage; naive: Leakage };
  /** sha256 over sorted (class, content hash) pairs; see datasetFingerprint. */
  fingerprint: string;
  cache: ImageCache;
  /** Seconds spent decoding into the cache in this run (0 when all were cached). */
  decodeSeconds: number;
  /** Training batches: shuffled per epoch with a 1000 buffer unless overridden. */
  trainBatches(options?: BatchOptions): BatchIterator;
  /** Validation batches in a fixed order. */
  validationBatches(options?: BatchOptions): BatchIterator;
  /** The `dataset` block of metadata.json. */
  metadata(): ModelMetadata["dataset"];
}

/**
 * Everything between a folder of class folders and training batches: scan (content-sniffed,
 * bad files skipped and listed), decode once into the disk cache (with perceptual hashes),
 * group duplicates, split duplicate-aware and stratified, and report — like Keras'
 * `image_dataset_from_directory`, but without leaking copies into validation.
 *
 * @throws MarqueeError `bad_request` when no usable data remains.
 * @example
 * const ds = await loadImageDataset("data/celeb17", { imageSize: 224, seed: 123 });
 * const train = ds.trainBatches({ batchSize: 32 });
 * const val = ds.validationBatches({ batchSize: 32 });
 */
export async function loadImageDataset(dir: string, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  const log = options.log ?? consoleLog;
  const size =
    typeof options.imageSize === "object"
      ? options.imageSize
      : { width: options.imageSize ?? 224, height: options.imageSize ?? 224 };
  const seed = options.seed ?? 123;
  const validationSplit = options.validationSplit ?? 0.1;

  const minClasses = options.minClasses ?? 2;
  const scan = await scanDataset(dir, { log, limits: options.limits, minClasses });
  // --validation-data: its files join the scan with the training folder's class indices.
  const valScan = options.validationDir
    ? await scanDataset(options.validationDir, { log, limits: options.limits, minClasses: 1 })
    : null;
  const valFiles = valScan
    ? (() => {
        const map = validationClassMap(scan.classNames, valScan.classNames, options.validationDir!);
        return valScan.files.map((f) => ({ ...f, classIndex: map[f.classIndex]! }));
      })()
    : [];
  const valPaths = new Set(valFiles.map((f) => f.path));
  const cache = new ImageCache({
    ...size,
    fit: options.fit,
    dtype: options.cacheDtype,
    dir: options.cacheDir,
    limits: options.limits,
  });
  const prepared = await prepareImages([...scan.files, ...valFiles], cache, {
    log,
    progress: options.progress,
    root: scan.root,
  });
  const files = prepared.files;
  const skipped = [...scan.skipped, ...(valScan?.skipped ?? []), ...prepared.skipped];
  assertUsable(
    scan.root,
    scan.classNames,
    files.filter((f) => !valPaths.has(f.path)),
    scan.files.length + scan.skipped.length,
    minClasses,
  );

  const near = { ...DEFAULT_NEAR_DUPLICATES, ...options.nearDuplicates };
  const duplicates = findDuplicates(files, prepared.hashes, near);
  reportDuplicates(log, scan.root, scan.classNames, files, duplicates, near);

  const splitKind = valScan ? "folder" : (options.split ?? "duplicate-aware");
  const split = valScan
    ? fixedSplit(files, (i) => valPaths.has(files[i]!.path), seed)
    : splitKind === "random"
      ? randomSplit(files, validationSplit, seed)
      : splitDataset(files, duplicates.unitOf, { validationSplit, seed });
  const naive = valScan ? split : naiveSplit(files.length, validationSplit, seed);
  const leakage = {
    ours: measureLeakage(files, duplicates.unitOf, split.trainIndices, split.validationIndices),
    naive: measureLeakage(files, duplicates.unitOf, naive.trainIndices, naive.validationIndices),
  };
  if (valScan) {
    log.info(
      `Using ${split.train.length} files for training and the ${split.validation.length} in ${options.validationDir} for validation.`,
    );
    if (leakage.ours.groupLeaks > 0)
      log.warn(
        `${leakage.ours.groupLeaks} of the ${split.validation.length} validation photos ${leakage.ours.groupLeaks === 1 ? "has" : "have"} a copy (${leakage.ours.exactLeaks} byte-identical) in the training folder; the validation accuracy will look better than it is.`,
      );
  } else {
    log.info(
      `Using ${split.train.length} files for training and ${split.validation.length} for validation (split ${validationSplit}, seed ${seed}; ${splitKind === "random" ? `Keras' random split: ${leakage.ours.groupLeaks} validation images have a copy in training` : "stratified, duplicate groups kept together"}).`,
    );
  }
  if (splitKind === "duplicate-aware" && leakage.naive.groupLeaks > 0) {
    log.info(
      `A duplicate-blind random split with the same seed would have put ${leakage.naive.groupLeaks} of ${leakage.naive.validationImages} validation images next to a copy in training (${leakage.naive.exactLeaks} byte-identical).`,
    );
  }
  const fingerprint = datasetFingerprint(scan.classNames, files);

  return {
    root: scan.root,
    classNames: scan.classNames,
    files,
    hashes: prepared.hashes,
    skipped,
    duplicates,
    split,
    leakage,
    fingerprint,
    cache,
    decodeSeconds: prepared.seconds,
    trainBatches: (o) => new BatchIterator(split.train, cache, { seed, ...o }),
    validationBatches: (o) => new BatchIterator(split.validation, cache, { seed, shuffle: false, ...o }),
    metadata: () => ({
      fingerprint,
      images: files.length,
      classes: scan.classNames.length,
      trainImages: split.train.length,
      validationImages: split.validation.length,
      duplicateGroups: duplicates.groups.length,
      validationSplit: split.validationSplit,
      seed,
      ...(splitKind === "random" ? { split: "random" as const } : {}),
    }),
  };
}

function reportDuplicates(
  log: DataLog,
  root: string,
  classNames: string[],
  files: DatasetFile[],
  dups: DuplicateReport,
  near: NearDuplicateOptions,
): void {
  if (dups.groups.length === 0) {
    log.info("No duplicate images found.");
    return;
  }
  log.info(
    `Duplicates: ${dups.groups.length} groups (${dups.exactGroups} byte-identical, ${dups.nearGroups} with near-identical copies, ${near.hash} hash distance ≤ ${near.maxDistance}) covering ${dups.filesInDuplicateGroups} files; each group stays on one side of the split.`,
  );
  for (const g of dups.crossClassGroups) {
    const where = g.members.map((m) => `${displayPath(root, files[m]!.path)}`).join(", ");
    log.warn(
      `the same photo is filed under ${g.classIndices.length} classes (${g.classIndices.map((c) => classNames[c]).join(" / ")}): ${where}`,
    );
  }
}

/** Keras' random split as a {@link DatasetSplit} (training files in Keras' shuffled order). */
function randomSplit(files: DatasetFile[], validationSplit: number, seed: number): DatasetSplit {
  const { trainIndices, validationIndices } = kerasSplit(files.length, validationSplit, seed);
  return splitFromIndices(files, trainIndices, validationIndices, validationSplit, seed);
}
