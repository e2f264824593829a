import {
  type DetectedFace,
  detectFaces,
  embedFaces,
  embedWholeImageAsFace,
  type FacePrediction,
  type RgbImage,
} from "@marquee/shared";
import type { LoadedFaceModel } from "../model/build-face-model.ts";
import { topK } from "./classify.ts";
import { classifyDescriptors } from "./face-head.ts";

/** Options for {@link recognizeFaces}. */
export interface RecognizeOptions {
  detectorInputSize: number;
  maxFaces: number;
  topK: number;
}

/** The faces found, largest first, and where the time went. */
export interface RecognizedFaces {
  faces: FacePrediction[];
  timingsMs: { detect: number; embed: number; classify: number };
}

/**
 * Images at most this large on their longest side, and near-square, are taken as one tight face
 * crop when the detector finds nothing (aligned dataset crops are 112–250 px). Bigger photos
 * without a detected face answer with no faces.
 */
export const TIGHT_CROP_MAX_SIDE = 256;

/**
 * Detect → align → embed → classify every face (up to `maxFaces`, largest first): the face
 * pipeline of a `pipeline: "face"` model. Boxes come back as fractions of the image.
 */
export async function recognizeFaces(
  model: LoadedFaceModel,
  image: RgbImage,
  options: RecognizeOptions,
): Promise<RecognizedFaces> {
  const t0 = performance.now();
  const minScore = model.metadata.face?.minDetectionScore ?? 0.5;
  let faces: DetectedFace[] = await detectFaces(model.nets, image, {
    inputSize: options.detectorInputSize,
    minScore,
    maxFaces: options.maxFaces,
  });
  const t1 = performance.now();
  let descriptors: Float32Array[];
  if (faces.length === 0 && looksLikeTightCrop(image)) {
    const crop = await embedWholeImageAsFace(model.nets, image);
    faces = [crop.face];
    descriptors = [crop.descriptor];
  } else {
    descriptors = await embedFaces(model.nets, image, faces);
  }
  const t2 = performance.now();
  const verdicts = classifyDescriptors(model.head, model.metadata, descriptors);
  const t3 = performance.now();
  const k = Math.min(options.topK, model.metadata.labels.length);
  return {
    faces: faces.map((face, i) => {
      const verdict = verdicts[i] as (typeof verdicts)[number];
      return {
        box: {
          left: face.box.left / image.width,
          top: face.box.top / image.height,
          width: face.box.width / image.width,
          height: face.box.height / image.height,
        },
        detectionScore: face.score,
        label: verdict.label,
        score: verdict.score,
        predictions: topK(verdict.scores, model.metadata.labels, k),
      };
    }),
    timingsMs: { detect: t1 - t0, embed: t2 - t1, classify: t3 - t2 },
  };
}

function looksLikeTightCrop(image: RgbImage): boolean {
  const aspect = image.width / image.height;
  return Math.max(image.width, image.height) <= TIGHT_CROP_MAX_SIDE && aspect >= 0.75 && aspect <= 4 / 3;
}
