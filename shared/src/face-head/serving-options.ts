/**
 * How a deployed face model looks for faces: the worker's policy, also used by the trainer's
 * `pnpm predict` and `pnpm evaluate` so that they answer what the worker answers. Training keeps
 * its own options (detector at 416 with retries), where recall matters more than memory.
 */
export interface ServingDetectorPolicy {
  /** Tiny detector input side for photos longer than `smallPhotoMaxSide` (a multiple of 32). */
  inputSize: number;
  /** Tiny detector input side for photos up to `smallPhotoMaxSide` (capped at `inputSize`). */
  smallPhotoInputSize: number;
  /** Longest side, in pixels, up to which a photo counts as small. */
  smallPhotoMaxSide: number;
  /** At most this many faces (the largest) are described and classified. */
  maxFaces: number;
}

/**
 * The serving defaults; the worker's `FACE_DETECTOR_INPUT_SIZE` and `MAX_FACES` vars override
 * `inputSize` and `maxFaces`. Only two detector sizes: each new input size makes XNNPACK re-plan
 * every layer's buffers, and with sizes varying photo by photo the worker's wasm heap (which never
 * shrinks) grew from 72 to 87 MiB over 170 photos. 224 for photos up to 512 px (a shrink of 2.3×
 * at most keeps every face big enough to describe; a face under ~40 px has too few pixels for the
 * 150-px descriptor crop anyway) runs about twice as fast as 320, with the same answers on celeb17
 * portraits.
 */
export const SERVING_DETECTOR_POLICY: Readonly<ServingDetectorPolicy> = Object.freeze({
  inputSize: 320,
  smallPhotoInputSize: 224,
  smallPhotoMaxSide: 512,
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
 * The serving detector options for a photo: `smallPhotoInputSize` (224) when its longer side is at
 * most `smallPhotoMaxSide` (512 px), else `inputSize` (320); no retries; at most `maxFaces` faces.
 *
 * @example
 * servingDetectorOptions({ width: 474, height: 490 }); // { inputSize: 224, retryInputSizes: [], maxFaces: 10 }
 * servingDetectorOptions({ width: 1536, height: 1024 }, { inputSize: 416 }).inputSize; // 416
 */
export function servingDetectorOptions(
  image: { width: number; height: number },
  overrides: Partial<ServingDetectorPolicy> = {},
): ServingDetectorOptions {
  const policy = { ...SERVING_DETECTOR_POLICY, ...overrides };
  const small = Math.max(image.width, image.height) <= policy.smallPhotoMaxSide;
  return {
    inputSize: small ? Math.min(policy.smallPhotoInputSize, policy.inputSize) : policy.inputSize,
    retryInputSizes: [],
    maxFaces: policy.maxFaces,
  };
}
