import type { FaceDetectorKind } from "./models.ts";

/**
 * How a photo's faces are found: the one policy object `findFaces` and `embedSubjectFace`
 * (find-faces.ts) take. Training, `pnpm predict`/`evaluate` and the worker pass the same
 * {@link DEFAULT_FACE_POLICY}; a request may only narrow it (`maxFaces`, `minFacePixels`).
 * There is no whole-image fallback: a photo in which no detector pass finds a face has no face.
 */
export interface FacePolicy {
  /**
   * The detector, which must be the one the models hold. "blazeface": BlazeFace back on the whole
   * image (256 px), then one scaled pass for small faces, then, when nothing was found, one pass on
   * the image shrunk into a black border (tight crops). "tiny"/"ssd": face-api's detectors in the
   * same steps with square tiles (kept for the face probes' comparisons; not served).
   */
  detector: FaceDetectorKind;
  /** Tiny detector input side (a multiple of 32); only for `detector: "tiny"`. */
  inputSize?: number;
  /** At most this many faces (the largest) are kept; `truncated` says when there were more. */
  maxFaces: number;
  /** Minimum detector score on the whole-image and padded passes. */
  minScore: number;
  /** Minimum score of the scaled (or tiled) pass, never below `minScore`. */
  scaledMinScore: number;
  /**
   * Smallest face looked for, as a fraction of the image's longer side: 40/1920 (Rekognition's
   * 40 px at 1920×1080, scaled with the photo).
   */
  minFaceFraction: number;
  /** Faces narrower than this many pixels of the photo are dropped (the `min_face` request option). */
  minFacePixels: number;
  /** When nothing is found, one more pass on the image shrunk into a black border. */
  padRetry: boolean;
  /** Probes only: detector input px a `minFaceFraction` face must reach (default 18 BlazeFace, 24 face-api). */
  minFaceInput?: number;
  /** Probes only: tiles "auto" (default), "always", or false (the whole-image pass only). */
  tiles?: boolean | "always" | "auto";
  /** Probes only: BlazeFace's scaled pass (default) or 256 px tiles (false). */
  scaledPass?: boolean;
  /** Compute 68 landmarks (needed for alignment). Default true. */
  landmarks?: boolean;
}

/** Upper bound of `maxFaces` (Rekognition's and Azure's cap), and the default. */
export const MAX_FACES_LIMIT = 100;

/**
 * The face policy of every deployed and trained face model: BlazeFace back with the scaled pass
 * (measured in trainer/scripts/face-probes/README.md: 244/244 collage faces of 40–400 px, 22/22
 * sample-photo faces, 0 faces on 22 no-face pictures), minimum score 0.6 (a checkerboard scored
 * 0.52–0.56), 0.7 on the scaled pass, faces down to 40/1920 of the longer side, 100 faces.
 */
export const DEFAULT_FACE_POLICY: Readonly<FacePolicy> = Object.freeze({
  detector: "blazeface",
  maxFaces: MAX_FACES_LIMIT,
  minScore: 0.6,
  scaledMinScore: 0.7,
  minFaceFraction: 40 / 1920,
  minFacePixels: 0,
  padRetry: true,
});

/** The minimum detection score when a model records none. */
export const DEFAULT_MIN_DETECTION_SCORE = DEFAULT_FACE_POLICY.minScore;

/**
 * The policy of a deployed face model (the worker, `pnpm predict`, `pnpm evaluate`) and of
 * training: {@link DEFAULT_FACE_POLICY} with the model's recorded settings and a request's
 * narrowing. Fields passed as undefined keep the default.
 *
 * @example
 * servingFacePolicy().maxFaces; // 100
 * servingFacePolicy({ minScore: meta.face.minDetectionScore, maxFaces: 5 }).maxFaces; // 5
 */
export function servingFacePolicy(overrides: Partial<FacePolicy> = {}): FacePolicy {
  const out: FacePolicy = { ...DEFAULT_FACE_POLICY };
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
