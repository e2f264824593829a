import { type FacePrediction, type FaceRecognition, type RgbImage, recognizeFaces as recognize } from "@marquee/shared";
import type { LoadedFaceModel } from "../model/build-face-model.ts";

/** Options for {@link recognizeFaces}. */
export interface RecognizeOptions {
  /** The tiny detector's first input side; the trainer's other sizes are tried when it finds nothing. */
  detectorInputSize: number;
  maxFaces: number;
  topK: number;
}

/** The faces found (largest first), which one is the photo's subject, and where the time went. */
export interface RecognizedFaces {
  faces: FacePrediction[];
  /** Index of the face the top-level `predictions` describe; -1 when there is none. */
  subject: number;
}

/** The detector sizes the trainer's pipeline tries, in order, when the first finds nothing. */
export const TRAINER_RETRY_INPUT_SIZES = [320, 512];

/**
 * Detect → align → embed → classify every face (up to `maxFaces`, largest first) with the shared
 * face pipeline, so the worker answers exactly as `pnpm predict` does with the same options.
 */
export async function recognizeFaces(
  model: LoadedFaceModel,
  image: RgbImage,
  options: RecognizeOptions,
): Promise<RecognizedFaces> {
  const result: FaceRecognition = await recognize(model.nets, model.head, image, model.metadata, {
    inputSize: options.detectorInputSize,
    retryInputSizes: TRAINER_RETRY_INPUT_SIZES.filter((size) => size !== options.detectorInputSize),
    maxFaces: options.maxFaces,
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
