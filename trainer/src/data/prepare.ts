import { availableParallelism } from "node:os";
import { makeProgress } from "../util/progress.ts";
import { DecodePool } from "./decode-pool.ts";
import type { PerceptualHashes } from "./duplicates.ts";
import { HashStore } from "./hash-store.ts";
import type { ImageCache } from "./image-cache.ts";
import { dctHash, differenceHash } from "./perceptual-hash.ts";
import { mapWithConcurrency } from "./pool.ts";
import { displayPath } from "./scan.ts";
import { consoleLog, type DataLog, type DatasetFile, type SkippedFile } from "./types.ts";

/** Options for {@link prepareImages}. */
export interface PrepareOptions {
  log?: DataLog;
  /** Show a progress bar with ETA while decoding (default: when stderr is a terminal). */
  progress?: boolean;
  /** Photos decoded at once in-process; decoding is CPU-bound, this only overlaps the file I/O. */
  concurrency?: number;
  /**
   * Worker threads decoding in parallel. Default: one per core (at most 4) when more than 64
   * photos need decoding, else 0 (in-process). Falls back to in-process if workers fail.
   */
  workers?: number;
  /** Root for shorter paths in messages. */
  root?: string;
}

/** Result of {@link prepareImages}. */
export interface PrepareResult {
  /** Files that decoded, in input order. */
  files: DatasetFile[];
  /** Perceptual hashes, parallel to `files`. */
  hashes: PerceptualHashes[];
  /** Files whose full decode failed, with the reason. */
  skipped: SkippedFile[];
  /** Photos decoded in this call (the rest were cached). */
  decoded: number;
  seconds: number;
}

/**
 * Make sure every file has a valid cache entry and perceptual hashes, decoding each photo
 * at most once (one decode feeds both). Files whose full decode fails (truncated data,
 * broken compressed stream) are dropped and listed; the header-only scan cannot see those.
 * Memory stays flat: each photo is released once its entry is written.
 *
 * @example
 * const prepared = await prepareImages(scan.files, cache);
 */
export async function prepareImages(
  files: readonly DatasetFile[],
  cache: ImageCache,
  options: PrepareOptions = {},
): Promise<PrepareResult> {
  const log = options.log ?? consoleLog;
  const started = performance.now();
  const store = await new HashStore(cache.dir).load();

  // Work per distinct content: byte-identical copies share one entry and one decode.
  const firstBySha = new Map<string, DatasetFile>();
  for (const f of files) if (!firstBySha.has(f.sha256)) firstBySha.set(f.sha256, f);
  const todo: DatasetFile[] = [];
  await mapWithConcurrency([...firstBySha.values()], 16, async (f) => {
    if (!store.get(f.sha256) || !(await cache.has(f.sha256))) todo.push(f);
  });
  todo.sort((a, b) => (a.path < b.path ? -1 : 1));

  const failed = new Map<string, string>();
  if (todo.length > 0) {
    log.info(
      `Decoding ${todo.length} of ${firstBySha.size} distinct images into the cache at ${cache.width}×${cache.height} (${cache.specDir}).`,
    );
    const bar = makeProgress(
      options.progress ?? Boolean(process.stderr.isTTY),
      todo.length,
      { verb: "Decoding", unit: "images" },
      log,
    );
    let done = 0;
    let lastSave = performance.now();
    const pool = await startPool(
      options.workers ?? (todo.length > 64 ? Math.min(4, availableParallelism()) : 0),
      cache,
      log,
    );
    const decodeOne = async (f: DatasetFile): Promise<PerceptualHashes | string> => {
      if (pool && !pool.broken) {
        const reply = await pool.decode(f);
        if ("hashes" in reply) return reply.hashes;
        if (!reply.crashed) return `could not be decoded: ${reply.error}`;
      }
      try {
        const { image } = await cache.compute(f);
        return { dct: dctHash(image), difference: differenceHash(image) };
      } catch (err) {
        return `could not be decoded: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    try {
      await mapWithConcurrency(todo, pool ? pool.size * 2 : (options.concurrency ?? 2), async (f) => {
        const result = await decodeOne(f);
        if (typeof result === "string") failed.set(f.sha256, result);
        else store.set(f.sha256, result);
        bar.update(++done);
        // Save hashes now and then so a crash mid-fill loses little.
        if (performance.now() - lastSave > 30_000) {
          lastSave = performance.now();
          await store.save();
        }
      });
    } finally {
      await pool?.close();
    }
    if (pool?.broken) log.warn(`${pool.broken.message}; finished decoding in the main thread.`);
    bar.stop();
    await store.save();
  }

  const kept: DatasetFile[] = [];
  const hashes: PerceptualHashes[] = [];
  const skipped: SkippedFile[] = [];
  for (const f of files) {
    const reason = failed.get(f.sha256);
    if (reason) skipped.push({ path: f.path, reason });
    else {
      kept.push(f);
      hashes.push(store.get(f.sha256)!);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (skipped.length > 0) {
    log.warn(`skipped ${skipped.length} file(s) that failed to decode:`);
    for (const s of skipped)
      log.warn(`  ${options.root ? displayPath(options.root, s.path) : s.path}: ${s.reason}`);
  }
  if (todo.length > 0) {
    log.info(`Decoded ${todo.length - failed.size} images in ${seconds.toFixed(1)} s.`);
  }
  return { files: kept, hashes, skipped, decoded: todo.length, seconds };
}

async function startPool(workers: number, cache: ImageCache, log: DataLog): Promise<DecodePool | null> {
  if (workers < 2) return null;
  try {
    return await DecodePool.start(workers, {
      dir: cache.dir,
      width: cache.width,
      height: cache.height,
      fit: cache.fit,
      dtype: cache.dtype,
      limits: cache.limits,
    });
  } catch (err) {
    log.warn(
      `decoding in the main thread: worker threads unavailable (${err instanceof Error ? err.message : err}).`,
    );
    return null;
  }
}
