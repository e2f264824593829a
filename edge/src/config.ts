import { DEFAULT_DECODE_LIMITS, type DecodeLimits, SERVING_DETECTOR_POLICY } from "@marquee/shared";
import type { WorkerEnv } from "./env.ts";

/** The model folder served when wrangler.toml sets no `MODEL_PATH`. */
export const DEFAULT_MODEL_PATH = "models/default";

/**
 * Face models: the tiny detector's input side for photos over 512 px when wrangler.toml sets no
 * `FACE_DETECTOR_INPUT_SIZE`: shared's serving default, which `pnpm predict` also uses.
 */
export const DEFAULT_FACE_DETECTOR_INPUT_SIZE = SERVING_DETECTOR_POLICY.inputSize;

/** Face models: at most this many faces (the largest) per photo when `MAX_FACES` is unset (shared's serving default). */
export const DEFAULT_MAX_FACES = SERVING_DETECTOR_POLICY.maxFaces;

/**
 * Face models: largest image in megapixels when `FACE_MAX_MEGAPIXELS` is unset (the lower of it
 * and `MAX_MEGAPIXELS` applies). The face nets hold ~70 MiB of wasm memory, so a 4 MP photo's
 * decode (~40 MB at its peak) would take the isolate past 128 MB (test/edge/face-memory.test.ts);
 * the detector shrinks photos to ~640 px anyway, so more pixels add nothing.
 */
export const DEFAULT_FACE_MAX_MEGAPIXELS = 2;

/** /predict requests decoding and inferring at once per isolate when `MAX_CONCURRENT_PREDICTS` is unset. */
export const DEFAULT_MAX_CONCURRENT_PREDICTS = 2;
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
  face: {
    /** Side of the tiny face detector's square input (a multiple of 32). */
    detectorInputSize: number;
    /** Faces beyond this many (smallest first) are not described or classified. */
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
      detectorInputSize: detectorInputSize(env.FACE_DETECTOR_INPUT_SIZE),
      maxFaces: Math.floor(positiveNumber("MAX_FACES", env.MAX_FACES, DEFAULT_MAX_FACES)),
      maxMegapixels: positiveNumber(
        "FACE_MAX_MEGAPIXELS",
        env.FACE_MAX_MEGAPIXELS,
        DEFAULT_FACE_MAX_MEGAPIXELS,
      ),
    },
  };
}

/**
 * The decode limits for a model of this pipeline: face models get the lower megapixel cap.
 *
 * @example
 * limitsFor(config, "face").maxMegapixels; // 2 with the defaults
 */
export function limitsFor(config: EdgeConfig, pipeline: "image" | "face"): DecodeLimits {
  if (pipeline !== "face") return config.limits;
  return {
    ...config.limits,
    maxMegapixels: Math.min(config.limits.maxMegapixels, config.face.maxMegapixels),
  };
}

function detectorInputSize(raw: string | undefined): number {
  const size = positiveNumber("FACE_DETECTOR_INPUT_SIZE", raw, DEFAULT_FACE_DETECTOR_INPUT_SIZE);
  if (!Number.isInteger(size) || size % 32 !== 0 || size > 608) {
    throw new Error(
      `wrangler.toml var FACE_DETECTOR_INPUT_SIZE must be a multiple of 32 up to 608, got "${raw}"`,
    );
  }
  return size;
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
