import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "@marquee/shared";
import { MAX_FACES_LIMIT } from "@marquee/shared/face";
import type { WorkerEnv } from "./env.ts";

/** The model folder served when wrangler.toml sets no `MODEL_PATH`. */
export const DEFAULT_MODEL_PATH = "models/default";

/**
 * Face models: at most this many faces (the largest) per photo when `MAX_FACES` is unset: 100,
 * shared's serving default and the most `MAX_FACES` or `?max_faces=` may ask for.
 */
export const DEFAULT_MAX_FACES = MAX_FACES_LIMIT;

/**
 * Face models: largest image in megapixels when `FACE_MAX_MEGAPIXELS` is unset (the lower of it
 * and `MAX_MEGAPIXELS` applies). The face nets hold ~70 MiB of wasm memory, so a 4 MP photo's
 * decode (~40 MB at its peak) would take the isolate past 128 MB (test/edge/face-memory.test.ts);
 * the detector shrinks photos to ~640 px anyway, so more pixels add nothing.
 */
export const DEFAULT_FACE_MAX_MEGAPIXELS = 2;

/** Settings the worker derives from its vars, with defaults for anything unset. */
export interface EdgeConfig {
  modelPath: string;
  limits: DecodeLimits;
  face: {
    /** Faces beyond this many (smallest first) are not described or classified (1..100). */
    maxFaces: number;
    /** Largest image for face models (the lower of this and `limits.maxMegapixels` applies). */
    maxMegapixels: number;
  };
}

/**
 * Read the worker's config from its vars. A var that is set but not a positive number is a
 * deployment mistake, so it throws rather than silently using the default.
 *
 * @example
 * readConfig({ ASSETS, MAX_MEGAPIXELS: "12" }).limits.maxMegapixels; // 12
 */
export function readConfig(env: WorkerEnv): EdgeConfig {
  return {
    modelPath: normaliseModelPath(env.MODEL_PATH ?? DEFAULT_MODEL_PATH),
    limits: {
      maxBytes: positiveNumber("MAX_BYTES", env.MAX_BYTES, DEFAULT_DECODE_LIMITS.maxBytes),
      maxMegapixels: positiveNumber(
        "MAX_MEGAPIXELS",
        env.MAX_MEGAPIXELS,
        DEFAULT_DECODE_LIMITS.maxMegapixels,
      ),
    },
    face: {
      maxFaces: maxFaces(env.MAX_FACES),
      maxMegapixels: positiveNumber(
        "FACE_MAX_MEGAPIXELS",
        env.FACE_MAX_MEGAPIXELS,
        DEFAULT_FACE_MAX_MEGAPIXELS,
      ),
    },
  };
}

function maxFaces(raw: string | undefined): number {
  const n = positiveNumber("MAX_FACES", raw, DEFAULT_MAX_FACES);
  if (!Number.isInteger(n) || n > MAX_FACES_LIMIT) {
    throw new Error(
      `wrangler.toml var MAX_FACES must be a whole number from 1 to ${MAX_FACES_LIMIT}, got "${raw}"`,
    );
  }
  return n;
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`wrangler.toml var ${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

function normaliseModelPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "" || trimmed.split("/").some((part) => part === ".." || part === ".")) {
    throw new Error(`wrangler.toml var MODEL_PATH must be a folder inside the assets, got "${path}"`);
  }
  return trimmed;
}
