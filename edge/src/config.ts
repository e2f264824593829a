import {
  DEFAULT_DECODE_LIMITS,
  DEFAULT_WORKING_PIXELS,
  type DecodeLimits,
  modelWorkingPixels,
} from "@marquee/shared";
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
 * The decoded working image, in megapixels, when `WORKING_MEGAPIXELS` is unset. Photos are decoded
 * reduced to at most this (JPEG in the DCT domain, PNG row by row), whatever their own size: the
 * face pipeline needs about 2 MP (the detector reads 320 px, aligned crops are 150 px), and the face
 * nets' ~70 MiB of wasm leave room for about that much next to them (test/edge/face-memory.test.ts).
 */
export const DEFAULT_WORKING_MEGAPIXELS = DEFAULT_WORKING_PIXELS / 1e6;

/** /predict requests decoding and inferring at once per isolate when `MAX_CONCURRENT_PREDICTS` is unset. */
export const DEFAULT_MAX_CONCURRENT_PREDICTS = 1;
/** Requests that may wait for a slot when `PREDICT_QUEUE_LENGTH` is unset (waiting holds no body). */
export const DEFAULT_PREDICT_QUEUE_LENGTH = 64;
/** How long a request may wait for a slot when `PREDICT_QUEUE_WAIT_MS` is unset. */
export const DEFAULT_PREDICT_QUEUE_WAIT_MS = 15_000;

/** Settings the worker derives from its vars, with defaults for anything unset. */
export interface EdgeConfig {
  modelPath: string;
  limits: DecodeLimits;
  /** Bounded work in flight (see http/work-limit.ts). */
  work: { maxActive: number; maxQueued: number; maxWaitMs: number };
  /** Largest decoded working image in pixels (see {@link workingPixelsFor}). */
  workingPixels: number;
  face: {
    /** Faces beyond this many (smallest first) are not described or classified (1..100). */
    maxFaces: number;
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
      maxWholeDecodeMegapixels: DEFAULT_DECODE_LIMITS.maxWholeDecodeMegapixels,
    },
    workingPixels: Math.round(
      positiveNumber("WORKING_MEGAPIXELS", env.WORKING_MEGAPIXELS, DEFAULT_WORKING_MEGAPIXELS) * 1e6,
    ),
    work: {
      maxActive: Math.floor(
        positiveNumber(
          "MAX_CONCURRENT_PREDICTS",
          env.MAX_CONCURRENT_PREDICTS,
          DEFAULT_MAX_CONCURRENT_PREDICTS,
        ),
      ),
      maxQueued: Math.floor(
        positiveNumber("PREDICT_QUEUE_LENGTH", env.PREDICT_QUEUE_LENGTH, DEFAULT_PREDICT_QUEUE_LENGTH),
      ),
      maxWaitMs: positiveNumber(
        "PREDICT_QUEUE_WAIT_MS",
        env.PREDICT_QUEUE_WAIT_MS,
        DEFAULT_PREDICT_QUEUE_WAIT_MS,
      ),
    },
    face: {
      maxFaces: maxFaces(env.MAX_FACES),
    },
  };
}

/**
 * The working size (pixels) a photo is decoded to for this model: shared's modelWorkingPixels with
 * `WORKING_MEGAPIXELS` as the cap (face models: the cap; image models: 16× their input's pixels
 * within it), the rule `pnpm predict` uses with the default cap.
 *
 * @example
 * workingPixelsFor(config, { pipeline: "image", input: { width: 224, height: 224, channels: 3 } }); // 802816
 */
export function workingPixelsFor(
  config: EdgeConfig,
  metadata: { pipeline: "image" | "face"; input: { width: number; height: number } },
): number {
  return modelWorkingPixels(metadata, config.workingPixels);
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
