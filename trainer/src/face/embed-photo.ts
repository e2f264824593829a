import {
  type DetectedFace,
  decodeImage,
  detectFaces,
  embedFaces,
  embedWholeImageAsFace,
  type FaceModels,
  type RgbImage,
  servingDetectorOptions,
  subjectFaceIndex,
} from "@marquee/shared";
import type { PerceptualHashes } from "../data/duplicates.ts";
import { dctHash, differenceHash } from "../data/perceptual-hash.ts";
import { TRAINING_DECODE_LIMITS } from "../data/scan.ts";
import type { PhotoEmbedding } from "./embedding-cache.ts";
import type { FacePipelineConfig } from "./face-pipeline.ts";

/** Whether a photo is near-square enough to be taken whole as a tight face crop. */
export function nearSquare(width: number, height: number): boolean {
  const aspect = width / height;
  return aspect >= 0.75 && aspect <= 4 / 3;
}

/**
 * The photo's subject face: detect at the configured size, then (only when nothing is found) at
 * the retry sizes, and pick with shared's `subjectFaceIndex` (largest among the confident faces).
 * With `config.serving` the sizes and face cap are the worker's (shared's servingDetectorOptions).
 */
export async function findSubjectFace(
  models: FaceModels,
  image: RgbImage,
  config: FacePipelineConfig,
): Promise<DetectedFace | null> {
  const sizing = config.serving
    ? servingDetectorOptions(image, config.serving)
    : { inputSize: config.inputSize, retryInputSizes: config.retryInputSizes, maxFaces: undefined };
  for (const inputSize of [sizing.inputSize, ...sizing.retryInputSizes]) {
    const faces = await detectFaces(models, image, {
      inputSize,
      minScore: config.minDetectionScore,
      ...(sizing.maxFaces === undefined ? {} : { maxFaces: sizing.maxFaces }),
    });
    const i = subjectFaceIndex(faces);
    if (i >= 0) return faces[i]!;
  }
  return null;
}

/**
 * Embed a decoded image's subject face; falls back to taking a near-square image whole as a tight
 * face crop when no detector pass finds a face. Null when there is nothing to embed.
 */
export async function embedSubject(
  models: FaceModels,
  image: RgbImage,
  config: FacePipelineConfig,
): Promise<{ descriptor: Float32Array; face: DetectedFace; source: "detected" | "whole-image" } | null> {
  const face = await findSubjectFace(models, image, config);
  if (face) {
    const [descriptor] = (await embedFaces(models, image, [face])) as [Float32Array];
    return { descriptor, face, source: "detected" };
  }
  if (!config.wholeImageFallback || !nearSquare(image.width, image.height)) return null;
  return { ...(await embedWholeImageAsFace(models, image)), source: "whole-image" };
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
  const found = await embedSubject(models, image, config);
  const { width, height } = image;
  if (!found) {
    const reason = nearSquare(width, height)
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
