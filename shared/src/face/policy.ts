/**
 * How a photo's faces are found: the one policy object `findFaces` and `embedSubjectFace`
 * (find-faces.ts) take. Training, `pnpm predict`/`evaluate` and the worker differ only in the
 * values they pass, never in the rule.
 */
export interface FacePolicy {
  /** Tiny detector input side (a multiple of 32) of the first pass. */
  inputSize: number;
  /** Detector sizes tried in turn while no face is found (before the whole-image fallback). */
  retryInputSizes: readonly number[];
  /** At most this many faces (the largest) are kept. */
  maxFaces: number;
  /** Faces scoring at or below this are ignored (a face model records its own in metadata.json). */
  minScore: number;
  /** Take a near-square photo (aspect 3:4..4:3) in which no face is found whole, as a tight face crop. */
  wholeImageFallback: boolean;
}

/** The part of the serving policy the worker's vars can change. */
export interface ServingDetectorPolicy {
  /** Tiny detector input side (a multiple of 32), the same for every photo. */
  inputSize: number;
  /** At most this many faces (the largest) are described and classified. */
  maxFaces: number;
}

/**
 * The serving defaults; the worker's `FACE_DETECTOR_INPUT_SIZE` and `MAX_FACES` vars override
 * them. One detector size for every photo: each new input size makes XNNPACK re-plan every layer's
 * buffers, and with sizes varying photo by photo the worker's wasm heap (which never shrinks) grew
 * from 72 to 87 MiB over 170 photos. The figures behind 320 are in edge/README.md.
 */
export const SERVING_DETECTOR_POLICY: Readonly<ServingDetectorPolicy> = Object.freeze({
  inputSize: 320,
  maxFaces: 10,
});

/** The minimum detector score when a model records none. */
export const DEFAULT_MIN_DETECTION_SCORE = 0.5;

/**
 * The policy of a deployed face model (the worker, `pnpm predict`, `pnpm evaluate`): the detector
 * at {@link SERVING_DETECTOR_POLICY}'s size, at most its faces, the whole-image fallback on, and no
 * second detector pass. A 512 retry grew the worker's wasm heap from 69 to 100 MiB
 * (test/edge/face-memory.test.ts), too much for a 128 MB isolate.
 *
 * @example
 * servingFacePolicy(); // { inputSize: 320, retryInputSizes: [], maxFaces: 10, minScore: 0.5, wholeImageFallback: true }
 * servingFacePolicy({ inputSize: 416, minScore: meta.face.minDetectionScore }).inputSize; // 416
 */
export function servingFacePolicy(overrides: Partial<Omit<FacePolicy, "retryInputSizes">> = {}): FacePolicy {
  // Field by field, so that an override passed as undefined keeps the default.
  return {
    inputSize: overrides.inputSize ?? SERVING_DETECTOR_POLICY.inputSize,
    retryInputSizes: [],
    maxFaces: overrides.maxFaces ?? SERVING_DETECTOR_POLICY.maxFaces,
    minScore: overrides.minScore ?? DEFAULT_MIN_DETECTION_SCORE,
    wholeImageFallback: overrides.wholeImageFallback ?? true,
  };
}
