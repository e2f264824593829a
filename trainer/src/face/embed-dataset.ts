import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { ModelMetadata } from "@marquee/shared";
import type { FaceModels } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../backend/wasm-node.ts";
import {
  DEFAULT_NEAR_DUPLICATES,
  type DuplicateReport,
  findDuplicates,
  type PerceptualHashes,
} from "../data/duplicates.ts";
import { datasetFingerprint } from "../data/fingerprint.ts";
import { HashStore } from "../data/hash-store.ts";
import { defaultCacheDir } from "../data/image-cache.ts";
import { mapWithConcurrency } from "../data/pool.ts";
import { displayPath, scanDataset } from "../data/scan.ts";
import { type DatasetSplit, measureLeakage, splitDataset } from "../data/split.ts";
import { consoleLog, type DataLog, type DatasetFile, type SkippedFile } from "../data/types.ts";
import { fixedSplit, validationClassMap } from "../data/validation-folder.ts";
import { makeProgress } from "../util/progress.ts";
import { embedPhoto } from "./embed-photo.ts";
import { EmbedPool } from "./embed-pool.ts";
import { EmbeddingCache, type PhotoEmbedding } from "./embedding-cache.ts";
import {
  DEFAULT_FACE_PIPELINE,
  describeDetector,
  type FacePipelineConfig,
  facePipelineVersion,
  loadPipelineModels,
} from "./face-pipeline.ts";

/** Options for {@link embedFolder} and {@link loadFaceDataset}. */
export interface EmbedOptions {
  pipeline?: FacePipelineConfig;
  /** Cache folder (default: the data side's, ~/.cache/marquee). */
  cacheDir?: string;
  /** Worker threads; default one per core up to 2 when more than 16 photos need embedding, else 0. */
  workers?: number;
  log?: DataLog;
  /** Progress bar (default: when stderr is a terminal; else a line per 10 %). */
  progress?: boolean;
  /** Fewer classes with photos is an error (training needs 2, evaluation 1). */
  minClasses?: number;
}

/** Embedding-pass figures. */
export interface EmbedStats {
  distinct: number;
  cached: number;
  embedded: number;
  seconds: number;
  workers: number;
  /** Photos embedded per second in this run (0 when all were cached). */
  photosPerSecond: number;
  repairedEntries: number;
}

/** A folder scanned and embedded (no split). */
export interface EmbeddedFolder {
  root: string;
  classNames: string[];
  /** Decodable files (scan + full decode passed), ordered by class then path. */
  files: DatasetFile[];
  /** Parallel to `files`. */
  results: Exclude<PhotoEmbedding, { status: "error" }>[];
  /** Scan and decode failures. */
  skipped: SkippedFile[];
  stats: EmbedStats;
}

let inProcess: Promise<FaceModels> | null = null;
let inProcessKey = "";

/** Face nets in this thread (wasm backend), loaded once per pipeline config. */
async function inProcessModels(config: FacePipelineConfig): Promise<FaceModels> {
  const key = JSON.stringify(config);
  if (!inProcess || key !== inProcessKey) {
    inProcessKey = key;
    inProcess = (async () => {
      await initWasmBackend();
      await useNodeWasmDecoders();
      return loadPipelineModels(config);
    })();
  }
  return inProcess;
}

/**
 * Scan a folder of class folders and embed the largest face of every photo, reading and filling
 * the on-disk embedding cache (so a re-run only embeds new photos). Byte-identical copies are
 * embedded once. Uses worker threads (one wasm backend each) when there is enough to do.
 *
 * @example
 * const folder = await embedFolder("data/celeb17");
 */
export async function embedFolder(dir: string, options: EmbedOptions = {}): Promise<EmbeddedFolder> {
  const log = options.log ?? consoleLog;
  const config = options.pipeline ?? DEFAULT_FACE_PIPELINE;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const scan = await scanDataset(dir, { log, minClasses: options.minClasses ?? 2 });
  const cache = new EmbeddingCache(cacheDir, facePipelineVersion(config));
  const known = await new HashStore(cacheDir).load();

  const bySha = new Map<string, PhotoEmbedding>();
  const firstBySha = new Map<string, DatasetFile>();
  for (const f of scan.files) if (!firstBySha.has(f.sha256)) firstBySha.set(f.sha256, f);
  const todo: DatasetFile[] = [];
  await mapWithConcurrency([...firstBySha.values()], 16, async (f) => {
    const hit = await cache.get(f.sha256);
    if (hit) bySha.set(f.sha256, hit);
    else todo.push(f);
  });
  todo.sort((a, b) => (a.path < b.path ? -1 : 1));

  const started = performance.now();
  let workers = 0;
  if (todo.length > 0) {
    workers = options.workers ?? (todo.length > 16 ? availableParallelism() : 0);
    log.info(
      `Embedding ${todo.length} of ${firstBySha.size} distinct photos (${firstBySha.size - todo.length} cached) with ${describeDetector(config)}, ${workers || "no"} worker thread(s); cache ${cache.dir}.`,
    );
    let pool: EmbedPool | null = null;
    if (workers >= 1) {
      try {
        pool = await EmbedPool.start(workers, config);
      } catch (err) {
        log.warn(`embedding in the main thread: worker threads unavailable (${(err as Error).message}).`);
        workers = 0;
      }
    }
    const bar = makeProgress(
      options.progress ?? Boolean(process.stderr.isTTY),
      todo.length,
      { verb: "Embedding", unit: "photos" },
      log,
    );
    let done = 0;
    const embedOne = async (f: DatasetFile): Promise<PhotoEmbedding> => {
      const hashes: PerceptualHashes | undefined = known.get(f.sha256);
      if (pool) {
        const r = await pool.embed({ path: f.path, ...(hashes ? { hashes } : {}) });
        if (!(r.status === "error" && r.reason.startsWith("worker failed"))) return r;
      }
      const models = await inProcessModels(config);
      return embedPhoto(models, new Uint8Array(await readFile(f.path)), config, hashes);
    };
    try {
      await mapWithConcurrency(todo, pool ? pool.size * 2 : 1, async (f) => {
        const result = await embedOne(f);
        bySha.set(f.sha256, result);
        await cache.set(f.sha256, result);
        bar.update(++done);
      });
    } finally {
      bar.stop();
      await pool?.close();
    }
  }
  const seconds = (performance.now() - started) / 1000;

  const files: DatasetFile[] = [];
  const results: EmbeddedFolder["results"] = [];
  const skipped = [...scan.skipped];
  for (const f of scan.files) {
    const r = bySha.get(f.sha256)!;
    if (r.status === "error") skipped.push({ path: f.path, reason: r.reason });
    else {
      files.push(f);
      results.push(r);
    }
  }
  if (skipped.length > scan.skipped.length) {
    log.warn(`skipped ${skipped.length - scan.skipped.length} file(s) that failed to decode:`);
    for (const s of skipped.slice(scan.skipped.length))
      log.warn(`  ${displayPath(scan.root, s.path)}: ${s.reason}`);
  }
  const stats: EmbedStats = {
    distinct: firstBySha.size,
    cached: firstBySha.size - todo.length,
    embedded: todo.length,
    seconds,
    workers,
    photosPerSecond: todo.length ? todo.length / seconds : 0,
    repairedEntries: cache.stats.repaired,
  };
  if (todo.length)
    log.info(
      `Embedded ${todo.length} photos in ${seconds.toFixed(1)} s (${stats.photosPerSecond.toFixed(2)} photos/s).`,
    );
  if (cache.stats.repaired) log.warn(`${cache.stats.repaired} damaged cache entries were recomputed.`);
  return { root: scan.root, classNames: scan.classNames, files, results, skipped, stats };
}

/** The training folder followed by the validation folder's photos, renumbered to the training classes. */
function withValidationFolder(train: EmbeddedFolder, val: EmbeddedFolder, dir: string): EmbeddedFolder {
  const map = validationClassMap(train.classNames, val.classNames, dir);
  const s = train.stats;
  const v = val.stats;
  const seconds = s.seconds + v.seconds;
  return {
    ...train,
    files: [...train.files, ...val.files.map((f) => ({ ...f, classIndex: map[f.classIndex]! }))],
    results: [...train.results, ...val.results],
    skipped: [...train.skipped, ...val.skipped],
    stats: {
      ...s,
      distinct: s.distinct + v.distinct,
      cached: s.cached + v.cached,
      embedded: s.embedded + v.embedded,
      seconds,
      photosPerSecond: seconds > 0 ? (s.embedded + v.embedded) / seconds : 0,
      repairedEntries: s.repairedEntries + v.repairedEntries,
    },
  };
}

/** One photo's descriptor, ready for the head. */
export interface FaceExample {
  file: DatasetFile;
  descriptor: Float32Array;
  label: number;
}

/** A face dataset: embedded, de-duplicated, split at the photo level. */
export interface FaceDataset {
  root: string;
  classNames: string[];
  train: FaceExample[];
  validation: FaceExample[];
  /** Photos without a face (listed and skipped), with the reason. */
  noFace: SkippedFile[];
  /** Whole-image fallbacks used (tight crops). */
  /** Faces found only by the padded retry (tight crops). */
  paddedRetry: number;
  skipped: SkippedFile[];
  duplicates: DuplicateReport;
  split: DatasetSplit;
  fingerprint: string;
  stats: EmbedStats;
  metadata(): ModelMetadata["dataset"];
}

/**
 * {@link embedFolder}, then the data side's duplicate grouping (sha256 + perceptual hash) and its
 * duplicate-aware, stratified, seeded split, over all decodable photos. The split is made at the
 * photo level, as for image models, and only then are photos without a face dropped from their side.
 */
export async function loadFaceDataset(
  dir: string,
  options: EmbedOptions & { validationSplit?: number; seed?: number; validationDir?: string } = {},
): Promise<FaceDataset> {
  const log = options.log ?? consoleLog;
  const seed = options.seed ?? 123;
  const trainFolder = await embedFolder(dir, options);
  // --validation-data: its photos join the training folder's, with its class indices, on a fixed split.
  const folder = options.validationDir
    ? withValidationFolder(
        trainFolder,
        await embedFolder(options.validationDir, { ...options, minClasses: 1 }),
        options.validationDir,
      )
    : trainFolder;
  const { files, results, classNames, root } = folder;
  const trainCount = trainFolder.files.length;
  const duplicates = findDuplicates(
    files,
    results.map((r) => r.hashes),
    DEFAULT_NEAR_DUPLICATES,
  );
  if (duplicates.groups.length)
    log.info(
      `Duplicates: ${duplicates.groups.length} groups (${duplicates.exactGroups} byte-identical, ${duplicates.nearGroups} with near-identical copies) covering ${duplicates.filesInDuplicateGroups} files; each group stays on one side of the split.`,
    );
  const split = options.validationDir
    ? fixedSplit(files, (i) => i >= trainCount, seed)
    : splitDataset(files, duplicates.unitOf, { validationSplit: options.validationSplit ?? 0.1, seed });
  const validationSplit = split.validationSplit;
  const noFace: SkippedFile[] = [];
  let padded = 0;
  const examples = (indices: number[]): FaceExample[] => {
    const out: FaceExample[] = [];
    for (const i of indices) {
      const r = results[i]!;
      const file = files[i]!;
      if (r.status !== "face") {
        noFace.push({ path: file.path, reason: r.reason });
        continue;
      }
      if (r.source === "padded-retry") padded++;
      out.push({ file, descriptor: r.descriptor, label: file.classIndex });
    }
    return out;
  };
  const train = examples(split.trainIndices);
  const validation = examples(split.validationIndices);
  if (noFace.length) {
    log.warn(`${noFace.length} photo(s) without a face were skipped:`);
    for (const s of noFace) log.warn(`  ${displayPath(root, s.path)}: ${s.reason}`);
  }
  log.info(
    options.validationDir
      ? `Faces: ${train.length} training photos, ${validation.length} validation photos from ${options.validationDir}; ${padded} found by the padded retry (tight crops).`
      : `Faces: ${train.length} training and ${validation.length} validation photos (split ${validationSplit}, seed ${seed}; duplicate groups kept together); ${padded} found by the padded retry (tight crops).`,
  );
  if (options.validationDir) {
    const leaks = measureLeakage(files, duplicates.unitOf, split.trainIndices, split.validationIndices);
    if (leaks.groupLeaks > 0)
      log.warn(
        `${leaks.groupLeaks} of the ${split.validationIndices.length} validation photos ${leaks.groupLeaks === 1 ? "has" : "have"} a copy (${leaks.exactLeaks} byte-identical) in the training folder; the validation accuracy will look better than it is.`,
      );
  }
  const fingerprint = datasetFingerprint(classNames, files);
  return {
    root,
    classNames,
    train,
    validation,
    noFace,
    paddedRetry: padded,
    skipped: folder.skipped,
    duplicates,
    split,
    fingerprint,
    stats: folder.stats,
    metadata: () => ({
      fingerprint,
      images: train.length + validation.length,
      classes: classNames.length,
      trainImages: train.length,
      validationImages: validation.length,
      duplicateGroups: duplicates.groups.length,
      validationSplit,
      seed,
    }),
  };
}
