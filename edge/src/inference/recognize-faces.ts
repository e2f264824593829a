import {
  type FacePrediction,
  type FaceRecognition,
  type RgbImage,
  recognizeFaces as recognize,
  servingDetectorOptions,
} from "@marquee/shared";
import type { LoadedFaceModel } from "../model/build-face-model.ts";

/** Options for {@link recognizeFaces}. */
export interface RecognizeOptions {
  /** The tiny detector's input side for photos over 512 px (`FACE_DETECTOR_INPUT_SIZE`; see servingDetectorOptions). */
  detectorInputSize: number;
  /** At most this many faces, the largest (`MAX_FACES`). */
  maxFaces: number;
  topK: number;
}

/** The faces found (largest first), which one is the photo's subject, and where the time went. */
export interface RecognizedFaces {
  faces: FacePrediction[];
  /** Index of the face the top-level `predictions` describe; -1 when there is none. */
  subject: number;
}

/**
 * Detect → align → embed → classify every face (up to `maxFaces`, largest first) with the shared
 * face pipeline and shared's serving detector policy (224 up to 512 px, else `detectorInputSize`;
 * no retries), the same function `pnpm predict` and `pnpm evaluate` use, so they answer alike.
 */
export async function recognizeFaces(
  model: LoadedFaceModel,
  image: RgbImage,
  options: RecognizeOptions,
): Promise<RecognizedFaces> {
  const result: FaceRecognition = await recognize(model.nets, model.head, image, model.metadata, {
    ...servingDetectorOptions(image, { inputSize: options.detectorInputSize, maxFaces: options.maxFaces }),
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
