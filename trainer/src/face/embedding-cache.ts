import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PerceptualHashes } from "../data/duplicates.ts";
import { writeFileAtomic } from "../util/durable-fs.ts";
import { type FacePipelineVersion, pipelineKey } from "./face-pipeline.ts";

/** Bump when the entry layout changes. */
export const EMBEDDING_CACHE_VERSION = 2;

/** What the embedding pass found in one photo. */
export type PhotoEmbedding =
  | {
      status: "face";
      /** "detected", or "padded-retry" (found only on the photo shrunk into a black border: a tight crop). */
      source: "detected" | "padded-retry";
      /** Detector score. */
      score: number;
      /** Face box as fractions of the upright image: left, top, width, height. */
      box: [number, number, number, number];
      width: number;
      height: number;
      descriptor: Float32Array;
      hashes: PerceptualHashes;
    }
  | { status: "no-face"; reason: string; width: number; height: number; hashes: PerceptualHashes }
  | { status: "error"; reason: string };

/** Cache counters, for progress lines and tests. */
export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  /** Entries found damaged (truncated, torn, foreign) and treated as misses. */
  repaired: number;
  writes: number;
}

interface StoredEntry {
  v: number;
  pipeline: string;
  sha256: string;
  result: Omit<PhotoEmbedding, "descriptor"> & { descriptor?: number[] };
  check: string;
}

function checksum(payload: Omit<StoredEntry, "check">): string {
  return createHash("sha256").update(JSON.stringify(payload)).digest("hex");
}

/**
 * Descriptors on disk, one small JSON file per (photo content sha256, face pipeline version):
 * `<dir>/face-embeddings-v2/<pipeline key>/<sha[0:2]>/<sha>.json`. Writes are atomic (temp +
 * fsync + rename); each entry carries a checksum, its pipeline key and its photo hash, so a
 * truncated, torn or misplaced entry reads as a miss and is recomputed. Float32 values survive
 * JSON exactly (a float32 is a double, and JSON prints doubles round-trip).
 *
 * @example
 * const cache = new EmbeddingCache(defaultCacheDir(), facePipelineVersion());
 * const hit = await cache.get(file.sha256); // PhotoEmbedding | null
 */
export class EmbeddingCache {
  readonly dir: string;
  readonly key: string;
  readonly stats: EmbeddingCacheStats = { hits: 0, misses: 0, repaired: 0, writes: 0 };

  constructor(cacheDir: string, version: FacePipelineVersion) {
    this.key = pipelineKey(version);
    this.dir = join(cacheDir, `face-embeddings-v${EMBEDDING_CACHE_VERSION}`, this.key);
  }

  /** Path of a photo's entry. */
  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.json`);
  }

  /** The cached result, or null when missing or damaged (damage is counted in `stats.repaired`). */
  async get(sha256: string): Promise<PhotoEmbedding | null> {
    let text: string;
    try {
      text = await readFile(this.pathOf(sha256), "utf8");
    } catch {
      this.stats.misses++;
      return null;
    }
    const entry = this.parse(text, sha256);
    if (!entry) {
      this.stats.repaired++;
      this.stats.misses++;
      return null;
    }
    this.stats.hits++;
    return entry;
  }

  private parse(text: string, sha256: string): PhotoEmbedding | null {
    let stored: StoredEntry;
    try {
      stored = JSON.parse(text) as StoredEntry;
    } catch {
      return null;
    }
    if (
      typeof stored !== "object" ||
      stored === null ||
      stored.v !== EMBEDDING_CACHE_VERSION ||
      stored.pipeline !== this.key ||
      stored.sha256 !== sha256
    )
      return null;
    const { check, ...payload } = stored;
    if (check !== checksum(payload)) return null;
    const r = stored.result;
    if (r.status === "face") {
      if (!Array.isArray(r.descriptor) || r.descriptor.some((v) => typeof v !== "number")) return null;
      return { ...r, descriptor: Float32Array.from(r.descriptor) } as PhotoEmbedding;
    }
    if (r.status === "no-face" || r.status === "error") return r as PhotoEmbedding;
    return null;
  }

  /** Store a result atomically. */
  async set(sha256: string, result: PhotoEmbedding): Promise<void> {
    const stored =
      result.status === "face" ? { ...result, descriptor: Array.from(result.descriptor) } : { ...result };
    const payload = { v: EMBEDDING_CACHE_VERSION, pipeline: this.key, sha256, result: stored };
    const path = this.pathOf(sha256);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify({ ...payload, check: checksum(payload) }));
    this.stats.writes++;
  }
}
