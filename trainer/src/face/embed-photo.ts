import { decodeImage, type RgbImage } from "@marquee/shared";
import { embedSubjectFace, type FaceModels, type FacePolicy, servingFacePolicy } from "@marquee/shared/face";
import type { PerceptualHashes } from "../data/duplicates.ts";
import { dctHash, differenceHash } from "../data/perceptual-hash.ts";
import { TRAINING_DECODE_LIMITS } from "../data/scan.ts";
import type { PhotoEmbedding } from "./embedding-cache.ts";
import type { FacePipelineConfig } from "./face-pipeline.ts";

/**
 * The face policy of a pipeline config: shared's servingFacePolicy with the config's scores and
 * smallest face. `embedPhoto`, `pnpm predict`, `pnpm evaluate` and the worker all find faces
 * through it, with shared's findFaces: the same rule in training and serving.
 *
 * @example
 * facePolicyFor(DEFAULT_FACE_PIPELINE); // { detector: "blazeface", maxFaces: 100, minScore: 0.6, … }
 */
export function facePolicyFor(config: FacePipelineConfig, overrides: Partial<FacePolicy> = {}): FacePolicy {
  return servingFacePolicy({
    minScore: config.minDetectionScore,
    scaledMinScore: config.scaledMinScore,
    minFaceFraction: config.minFaceFraction,
    ...overrides,
  });
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
  const found = await embedSubjectFace(models, image, facePolicyFor(config), config.descriptor);
  const { width, height } = image;
  if (!found) {
    const reason = `no face detected (${width}×${height})`;
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
