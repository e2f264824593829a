import type { ModelMetadata, RgbImage } from "@marquee/shared";
import type { FacePrediction } from "@marquee/shared/api";
import { type FaceHeadModel, type FaceModels, recognizeFaces, servingFacePolicy } from "@marquee/shared/face";

/** What recognition needs of a loaded face model (build-face-model.ts's LoadedFaceModel has it). */
export interface ServedFaceNets {
  nets: FaceModels;
  head: FaceHeadModel;
  metadata: ModelMetadata;
}

/** The worker's knobs for {@link recognizeServedFaces}. */
export interface ServeFacesOptions {
  /** The tiny detector's input side for every photo (`FACE_DETECTOR_INPUT_SIZE`; see shared's servingFacePolicy). */
  detectorInputSize: number;
  /** At most this many faces, the largest (`MAX_FACES`). */
  maxFaces: number;
  topK: number;
}

/** The faces found (largest first) and which one is the photo's subject. */
export interface RecognizedFaces {
  faces: FacePrediction[];
  /** Index of the face the top-level `predictions` describe; -1 when there is none. */
  subject: number;
}

/**
 * Detect → align → embed → classify every face (up to `maxFaces`, largest first) with shared's
 * recognizeFaces under shared's serving policy (the detector at `detectorInputSize` for every
 * photo, no retries, the model's minimum score), the policy `pnpm predict` and `pnpm evaluate` use
 * too, so they answer alike.
 *
 * @example
 * const { faces, subject } = await recognizeServedFaces(model, image, { detectorInputSize: 320, maxFaces: 10, topK: 5 });
 */
export async function recognizeServedFaces(
  model: ServedFaceNets,
  image: RgbImage,
  options: ServeFacesOptions,
): Promise<RecognizedFaces> {
  const policy = servingFacePolicy({
    inputSize: options.detectorInputSize,
    maxFaces: options.maxFaces,
    minScore: model.metadata.face?.minDetectionScore,
  });
  const result = await recognizeFaces(model.nets, model.head, image, model.metadata, {
    policy,
    topK: options.topK,
  });
  return {
    faces: result.faces.map((face) => ({
      box: face.box,
      detectionScore: face.detectionScore,
      label: face.label,
      score: face.score,
      predictions: face.predictions,
    })),
    subject: result.subject,
  };
}
