// Steps 3–5 for a served face model: find the faces (find-faces.ts), embed each, classify each.
import type { ModelMetadata } from "../artifact/metadata.ts";
import type { RgbImage } from "../image/types.ts";
import { classifyFaceDescriptors, type FaceClassification, type FaceHeadModel } from "./classify.ts";
import { embedFaces } from "./embed.ts";
import { type FaceSource, findFaces } from "./find-faces.ts";
import type { FaceModels } from "./models.ts";
import type { FacePolicy } from "./policy.ts";

/** Options for {@link recognizeFaces}. */
export interface RecognizeFacesOptions {
  /** How faces are found; a deployed model uses `servingFacePolicy`. */
  policy: FacePolicy;
  /** Predictions per face. Default 5. */
  topK?: number;
}

/** One recognised face. */
export interface RecognizedFace extends FaceClassification {
  /** Fractions of the image: left, top, width, height in 0..1. */
  box: { left: number; top: number; width: number; height: number };
  detectionScore: number;
  /** "whole-image": no face was detected and the near-square photo was taken as a tight crop. */
  source: FaceSource;
}

/** The faces of a photo, largest first, and which one is its subject. */
export interface FaceRecognition {
  faces: RecognizedFace[];
  /** Index into `faces` of the photo's subject (see subjectFaceIndex), -1 when no face. */
  subject: number;
}

/**
 * The whole face pipeline for one photo, as the edge and the trainer's predict/evaluate run it:
 * find every face under `policy` ({@link findFaces}), embed each, classify each with the face head
 * under the model's open-set rule. Faces come largest first; `subject` picks the top-level one.
 *
 * @example
 * const { faces, subject } = await recognizeFaces(faceModels, head, image, metadata, {
 *   policy: servingFacePolicy({ minScore: metadata.face.minDetectionScore }),
 * });
 */
export async function recognizeFaces(
  models: FaceModels,
  head: FaceHeadModel,
  image: RgbImage,
  meta: Pick<ModelMetadata, "labels" | "output" | "face">,
  options: RecognizeFacesOptions,
): Promise<FaceRecognition> {
  const { faces, source, subject } = await findFaces(models, image, options.policy);
  if (source === "none") return { faces: [], subject: -1 };
  const descriptors = await embedFaces(models, image, faces);
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
    subject,
  };
}
