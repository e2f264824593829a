import {
  type FacePrediction,
  type FaceRecognition,
  type RgbImage,
  recognizeFaces as recognize,
} from "@marquee/shared";
import type { LoadedFaceModel } from "../model/build-face-model.ts";

/** Options for {@link recognizeFaces}. */
export interface RecognizeOptions {
  /** The tiny detector's largest input side (see {@link detectorInputSizeFor}). */
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

/**
 * Detector sizes tried, in order, when the first finds nothing. The trainer's pipeline retries at
 * 320 and 512; the worker does not: a 512 pass grew the wasm heap (which never shrinks) from 69 to
 * 100 MiB in test/edge/face-memory.test.ts, too much for a 128 MB isolate. A photo without a
 * detected face still gets the whole-image (tight crop) fallback when it is near-square.
 */
export const EDGE_RETRY_INPUT_SIZES: number[] = [];

/** The smallest detector input the worker uses. */
export const MIN_DETECTOR_INPUT_SIZE = 224;

/** Photos up to this long on their longest side run the detector at {@link MIN_DETECTOR_INPUT_SIZE}. */
export const SMALL_PHOTO_MAX_SIDE = 512;

/**
 * The detector input side for an image: 224 for photos up to 512 px on their longest side (a
 * shrink of 2.3× at most keeps every face big enough to describe; a face under ~40 px has too few
 * pixels for the 150-px descriptor crop anyway), `max` for bigger ones. A 474×490 portrait runs
 * about twice as fast at 224 as at 320, with the same answers on celeb17 portraits. Only two sizes:
 * each new input size makes XNNPACK re-plan every layer's buffers, and with sizes varying photo by
 * photo the wasm heap (which never shrinks) grew from 72 to 87 MiB over 170 photos.
 *
 * @example
 * detectorInputSizeFor(474, 490, 320); // 224
 * detectorInputSizeFor(1536, 1024, 320); // 320
 */
export function detectorInputSizeFor(width: number, height: number, max: number): number {
  return Math.max(width, height) <= SMALL_PHOTO_MAX_SIDE ? Math.min(MIN_DETECTOR_INPUT_SIZE, max) : max;
}

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
    inputSize: detectorInputSizeFor(image.width, image.height, options.detectorInputSize),
    retryInputSizes: EDGE_RETRY_INPUT_SIZES,
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
