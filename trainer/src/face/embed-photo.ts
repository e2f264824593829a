import { decodeImage, type RgbImage } from "@marquee/shared";
import {
  DEFAULT_MAX_FACES,
  embedSubjectFace,
  type FaceModels,
  type FacePolicy,
  isNearSquare,
  servingFacePolicy,
} from "@marquee/shared/face";
import type { PerceptualHashes } from "../data/duplicates.ts";
import { dctHash, differenceHash } from "../data/perceptual-hash.ts";
import { TRAINING_DECODE_LIMITS } from "../data/scan.ts";
import type { PhotoEmbedding } from "./embedding-cache.ts";
import type { FacePipelineConfig } from "./face-pipeline.ts";

/**
 * The face policy of a pipeline config: the worker's (shared's servingFacePolicy) with
 * `config.serving`, else training's detector size and retry sizes. `embedPhoto`, `pnpm predict`
 * and `pnpm evaluate` all find faces through it, with shared's findFaces.
 *
 * @example
 * facePolicyFor(DEFAULT_FACE_PIPELINE); // { inputSize: 416, retryInputSizes: [320, 512], maxFaces: 20, … }
 */
export function facePolicyFor(config: FacePipelineConfig): FacePolicy {
  const rule = { minScore: config.minDetectionScore, wholeImageFallback: config.wholeImageFallback };
  if (config.serving) return servingFacePolicy({ ...config.serving, ...rule });
  return {
    inputSize: config.inputSize,
    retryInputSizes: config.retryInputSizes,
    maxFaces: DEFAULT_MAX_FACES,
    ...rule,
  };
}

/**
 * Decode a photo, find its subject face and embed it. `knownHashes` skips the perceptual hashing
 * when the data side already has them. Never throws for a bad photo: the failure is the result.
 * Call `useNodeWasmDecoders()` once per thread first.
 */
export async function embedPhoto(
  models: FaceModels,
  bytes: Uint8Array,
  config: FacePipelineConfig,
  knownHashes?: PerceptualHashes,
): Promise<PhotoEmbedding> {
  let image: RgbImage;
  try {
    ({ image } = await decodeImage(bytes, { limits: TRAINING_DECODE_LIMITS }));
  } catch (err) {
    return { status: "error", reason: `could not be decoded: ${(err as Error).message}` };
  }
  const hashes = knownHashes ?? { dct: dctHash(image), difference: differenceHash(image) };
  const found = await embedSubjectFace(models, image, facePolicyFor(config));
  const { width, height } = image;
  if (!found) {
    const reason = isNearSquare(width, height)
      ? `no face detected (${width}×${height})`
      : `no face detected (${width}×${height}; not near-square, so not taken as a face crop)`;
    return { status: "no-face", reason, width, height, hashes };
  }
  const b = found.face.box;
  return {
    status: "face",
    source: found.source,
    score: found.face.score,
    box: [b.left / width, b.top / height, b.width / width, b.height / height],
    width,
    height,
    descriptor: found.descriptor,
    hashes,
  };
}
