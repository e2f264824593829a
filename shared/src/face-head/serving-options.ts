/**
 * How a deployed face model looks for faces: the worker's policy, also used by the trainer's
 * `pnpm predict` and `pnpm evaluate` so that they answer what the worker answers. Training keeps
 * its own options (detector at 416 with retries), where recall matters more than memory.
 */
export interface ServingDetectorPolicy {
  /** Tiny detector input side (a multiple of 32), the same for every photo. */
  inputSize: number;
  /** At most this many faces (the largest) are described and classified. */
  maxFaces: number;
}

/**
 * The serving defaults; the worker's `FACE_DETECTOR_INPUT_SIZE` and `MAX_FACES` vars override
 * `inputSize` and `maxFaces`. One detector size for every photo: each new input size makes XNNPACK
 * re-plan every layer's buffers, and with sizes varying photo by photo the worker's wasm heap (which
 * never shrinks) grew from 72 to 87 MiB over 170 photos. 320 rather than 224 for small photos too:
 * on celeb17's validation split, 224 for photos up to 512 px cost a point of top-1 (151/153 against
 * 152/153 at 320, `trainer/scripts/face-validation.ts`).
 */
export const SERVING_DETECTOR_POLICY: Readonly<ServingDetectorPolicy> = Object.freeze({
  inputSize: 320,
  maxFaces: 10,
});

/** Detector options for one photo, ready to spread into `recognizeFaces`' options. */
export interface ServingDetectorOptions {
  inputSize: number;
  /**
   * Always empty: no second detector pass when the first finds nothing. A 512 pass grew the
   * worker's wasm heap from 69 to 100 MiB (test/edge/face-memory.test.ts), too much for a 128 MB
   * isolate. A near-square photo without a detected face still gets the whole-image fallback.
   */
  retryInputSizes: number[];
  maxFaces: number;
}

/**
 * The serving detector options for a photo: the detector at `inputSize` (320), no retries, at most
 * `maxFaces` faces. Takes the photo so that a size rule can come back without touching callers.
 *
 * @example
 * servingDetectorOptions({ width: 474, height: 490 }); // { inputSize: 320, retryInputSizes: [], maxFaces: 10 }
 * servingDetectorOptions({ width: 1536, height: 1024 }, { inputSize: 416 }).inputSize; // 416
 */
export function servingDetectorOptions(
  _image: { width: number; height: number },
  overrides: Partial<ServingDetectorPolicy> = {},
): ServingDetectorOptions {
  const policy = { ...SERVING_DETECTOR_POLICY, ...overrides };
  return {
    inputSize: policy.inputSize,
    retryInputSizes: [],
    maxFaces: policy.maxFaces,
  };
}
