import type { ModelMetadata } from "../artifact/metadata.ts";
import { type DetectedFace, detectFaces } from "../face/detect.ts";
import { embedFaces, embedWholeImageAsFace } from "../face/embed.ts";
import type { FaceModels } from "../face/models.ts";
import type { RgbImage } from "../image/types.ts";
import { classifyFaceDescriptors, type FaceClassification, type FaceHeadModel } from "./classify.ts";
import { subjectFaceIndex } from "./subject.ts";

/** How faces are found; the trainer records the same values (its DEFAULT_FACE_PIPELINE). */
export interface RecognizeOptions {
  /** Tiny detector input side. Default 416. */
  inputSize?: number;
  /** Sizes tried in turn when the first finds nothing. Default [320, 512]. */
  retryInputSizes?: number[];
  /** Take a near-square photo (aspect 3:4..4:3) without a detected face as a tight face crop. Default true. */
  wholeImageFallback?: boolean;
  maxFaces?: number;
  topK?: number;
}

/** One recognised face. */
export interface RecognizedFace extends FaceClassification {
  /** Fractions of the image: left, top, width, height in 0..1. */
  box: { left: number; top: number; width: number; height: number };
  detectionScore: number;
  /** "whole-image": no face was detected and the near-square photo was taken as a tight crop. */
  source: "detected" | "whole-image";
}

/** The faces of a photo, largest first, and which one is its subject. */
export interface FaceRecognition {
  faces: RecognizedFace[];
  /** Index into `faces` of the photo's subject (see subjectFaceIndex), -1 when no face. */
  subject: number;
}

/**
 * The whole face pipeline for one photo, as the edge and the trainer's predict/evaluate run it:
 * detect every face (retrying other detector sizes when none is found; a near-square photo without
 * a face is taken whole as a tight crop), align + embed each, classify each with the face head under
 * the model's open-set rule. Faces come largest first; `subject` picks the top-level one.
 *
 * @example
 * const { faces, subject } = await recognizeFaces(faceModels, head, image, metadata);
 */
export async function recognizeFaces(
  models: FaceModels,
  head: FaceHeadModel,
  image: RgbImage,
  meta: Pick<ModelMetadata, "labels" | "output" | "face">,
  options: RecognizeOptions = {},
): Promise<FaceRecognition> {
  const minScore = meta.face?.minDetectionScore ?? 0.5;
  let faces: DetectedFace[] = [];
  let source: RecognizedFace["source"] = "detected";
  for (const inputSize of [options.inputSize ?? 416, ...(options.retryInputSizes ?? [320, 512])]) {
    faces = await detectFaces(models, image, { inputSize, minScore, maxFaces: options.maxFaces ?? 20 });
    if (faces.length) break;
  }
  let descriptors: Float32Array[];
  if (faces.length) {
    descriptors = await embedFaces(models, image, faces);
  } else {
    const aspect = image.width / image.height;
    if (options.wholeImageFallback === false || aspect < 0.75 || aspect > 4 / 3)
      return { faces: [], subject: -1 };
    const whole = await embedWholeImageAsFace(models, image);
    faces = [whole.face];
    descriptors = [whole.descriptor];
    source = "whole-image";
  }
  const classes = await classifyFaceDescriptors(head, descriptors, meta, { topK: options.topK ?? 5 });
  const { width, height } = image;
  return {
    faces: faces.map((f, i) => ({
      box: {
        left: f.box.left / width,
        top: f.box.top / height,
        width: f.box.width / width,
        height: f.box.height / height,
      },
      detectionScore: f.score,
      source,
      ...classes[i]!,
    })),
    subject: subjectFaceIndex(faces),
  };
}
