import type { WorkerEnv } from "../env.ts";

/**
 * Default distance threshold of identify and verify: a face is a person when the euclidean
 * distance between unit-length descriptors is at most this. Chosen on five-celeb (see the edge
 * README, "Galleries"): the middle of 0.36–0.38, where all 25 held-back photos are named and
 * ≥ 97.5 % of 510 celeb17 strangers rejected with the dlib-chip + mirror descriptors (0.4 suited
 * face-api's square crop). dlib's usual 0.6 lets every celebrity stranger through.
 */
export const DEFAULT_GALLERY_THRESHOLD = 0.37;

/** `?threshold=` must lie within these bounds (distances between unit vectors run 0–2). */
export const THRESHOLD_BOUNDS = Object.freeze({ min: 0.1, max: 1.2 });

/** Defaults of the gallery limits (each a wrangler.toml var). */
export const DEFAULT_GALLERY_LIMITS = Object.freeze({
  maxFacesPerPerson: 50,
  maxPeople: 10_000,
  maxImportBytes: 8 * 1024 * 1024,
  /** 32,768 faces × 128 float32 = 16 MiB packed in the Durable Object's memory. */
  memoryFaces: 32_768,
});

/** How many photos one enrolment request may carry. */
export const MAX_PHOTOS_PER_ENROLMENT = 10;

/** The gallery settings the worker derives from its vars. */
export interface GalleryConfig {
  maxFacesPerPerson: number;
  maxPeople: number;
  maxImportBytes: number;
  /** Galleries up to this many faces are searched in memory; larger ones straight from SQLite. */
  memoryFaces: number;
  threshold: number;
}

/**
 * Read the gallery settings from the worker's vars. A var that is set but not valid is a
 * deployment mistake, so it throws rather than silently using the default.
 *
 * @example
 * readGalleryConfig({ GALLERY_MAX_PEOPLE: "100" } as WorkerEnv).maxPeople; // 100
 */
export function readGalleryConfig(env: WorkerEnv): GalleryConfig {
  const threshold = number("GALLERY_THRESHOLD", env.GALLERY_THRESHOLD, DEFAULT_GALLERY_THRESHOLD, false);
  if (threshold < THRESHOLD_BOUNDS.min || threshold > THRESHOLD_BOUNDS.max) {
    throw new Error(
      `wrangler.toml var GALLERY_THRESHOLD must lie in [${THRESHOLD_BOUNDS.min}, ${THRESHOLD_BOUNDS.max}], got "${env.GALLERY_THRESHOLD}"`,
    );
  }
  return {
    maxFacesPerPerson: number(
      "GALLERY_MAX_FACES_PER_PERSON",
      env.GALLERY_MAX_FACES_PER_PERSON,
      DEFAULT_GALLERY_LIMITS.maxFacesPerPerson,
    ),
    maxPeople: number("GALLERY_MAX_PEOPLE", env.GALLERY_MAX_PEOPLE, DEFAULT_GALLERY_LIMITS.maxPeople),
    maxImportBytes: number(
      "GALLERY_MAX_IMPORT_BYTES",
      env.GALLERY_MAX_IMPORT_BYTES,
      DEFAULT_GALLERY_LIMITS.maxImportBytes,
    ),
    memoryFaces: number("GALLERY_MEMORY_FACES", env.GALLERY_MEMORY_FACES, DEFAULT_GALLERY_LIMITS.memoryFaces),
    threshold,
  };
}

function number(name: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `wrangler.toml var ${name} must be a positive ${integer ? "whole " : ""}number, got "${raw}"`,
    );
  }
  return value;
}
