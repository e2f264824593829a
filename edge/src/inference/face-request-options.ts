import { MarqueeError, type ModelMetadata } from "@marquee/shared";
import { MAX_FACES_LIMIT } from "@marquee/shared/face";

/** What a face request may change (`/predict?max_faces=&threshold=&min_face=`). */
export interface FaceRequestOptions {
  /** At most this many faces, the largest (1..100; default the worker's `MAX_FACES`, 100). */
  maxFaces?: number;
  /** The open-set threshold for this request, within {@link thresholdBounds} of the model's rule. */
  threshold?: number;
  /** Ignore faces narrower than this many pixels of the decoded photo (0..4096). */
  minFacePixels?: number;
}

/** Largest `min_face` accepted, in pixels. */
export const MAX_MIN_FACE_PIXELS = 4096;

/**
 * The thresholds a request may ask for under a model's open-set rule: `distance` (Euclidean
 * distance between unit-length descriptors and a class centroid) 0..2; `probability` 0..1.
 *
 * @example
 * thresholdBounds("distance"); // { min: 0, max: 2 }
 */
export function thresholdBounds(kind: "distance" | "probability"): { min: number; max: number } {
  return kind === "distance" ? { min: 0, max: 2 } : { min: 0, max: 1 };
}

function number(name: string, raw: string, what: string): number {
  if (!/^[0-9]{1,6}(\.[0-9]{1,6})?$/.test(raw)) {
    throw new MarqueeError("bad_request", `${name} must be ${what}, got "${raw.slice(0, 20)}".`);
  }
  return Number(raw);
}

/**
 * Reads a face request's query: `max_faces` (whole number 1..100), `threshold` (within the model's
 * rule's bounds), `min_face` (whole number of pixels 0..4096). Absent options stay undefined; any
 * other value is a `bad_request` naming the option and its bounds.
 *
 * @example
 * parseFaceRequestOptions({ max_faces: "5", threshold: "0.4" }, metadata); // { maxFaces: 5, threshold: 0.4 }
 */
export function parseFaceRequestOptions(
  query: Record<string, string | undefined>,
  metadata: Pick<ModelMetadata, "face">,
): FaceRequestOptions {
  const out: FaceRequestOptions = {};
  const { max_faces: maxFaces, threshold, min_face: minFace } = query;
  if (maxFaces !== undefined) {
    const what = `a whole number from 1 to ${MAX_FACES_LIMIT}`;
    const n = number("max_faces", maxFaces, what);
    if (!Number.isInteger(n) || n < 1 || n > MAX_FACES_LIMIT)
      throw new MarqueeError("bad_request", `max_faces must be ${what}, got "${maxFaces.slice(0, 20)}".`);
    out.maxFaces = n;
  }
  if (threshold !== undefined) {
    const kind = metadata.face?.rejection.kind ?? "distance";
    const { min, max } = thresholdBounds(kind);
    const what = `a number from ${min} to ${max} (the model's open-set rule is "${kind}")`;
    const t = number("threshold", threshold, what);
    if (t < min || t > max)
      throw new MarqueeError("bad_request", `threshold must be ${what}, got "${threshold.slice(0, 20)}".`);
    out.threshold = t;
  }
  if (minFace !== undefined) {
    const what = `a whole number of pixels from 0 to ${MAX_MIN_FACE_PIXELS}`;
    const n = number("min_face", minFace, what);
    if (!Number.isInteger(n) || n > MAX_MIN_FACE_PIXELS)
      throw new MarqueeError("bad_request", `min_face must be ${what}, got "${minFace.slice(0, 20)}".`);
    out.minFacePixels = n;
  }
  return out;
}
