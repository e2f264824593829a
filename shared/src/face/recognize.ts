// Steps 3–5 for a served face model: find the faces (find-faces.ts), embed each, classify each.
import type { ModelMetadata } from "../artifact/metadata.ts";
import type { RgbImage } from "../image/types.ts";
import {
  classifyFaceDescriptors,
  type FaceClassification,
  type FaceHeadModel,
  UNKNOWN_FACE_LABEL,
} from "./classify.ts";
import { embedFaces } from "./embed.ts";
import { type FaceSource, faceSource, findFaces } from "./find-faces.ts";
import type { FaceModels } from "./models.ts";
import type { FacePolicy } from "./policy.ts";
import { subjectFaceIndex } from "./subject.ts";

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
  /** "padded-retry": found only on the image shrunk into a black border (a tight crop). */
  source: FaceSource;
}

/** The faces of a photo, largest first, and which one the top-level answer describes. */
export interface FaceRecognition {
  faces: RecognizedFace[];
  /**
   * Index into `faces` of the face the top-level `predictions` describe ({@link topLevelFaceIndex}):
   * the subject among the ACCEPTED faces; -1 when no face was accepted (or none found).
   */
  subject: number;
  /** More faces were found than `policy.maxFaces`. */
  truncated: boolean;
}

/**
 * The face a face model's top-level `predictions` describe: the photo's subject rule
 * (subjectFaceIndex: the largest face among those scoring ≥ 0.8 of the best detection score)
 * applied to the faces the open-set rule accepted; -1 when every face is unknown. A client that
 * reads only `predictions` never sees a stranger named.
 *
 * @example
 * topLevelFaceIndex([{ label: "unknown", … }, { label: "Tom Hanks", … }]); // 1
 */
export function topLevelFaceIndex(
  faces: readonly { label: string; detectionScore: number; box: { width: number; height: number } }[],
): number {
  const accepted = faces.flatMap((f, i) => (f.label === UNKNOWN_FACE_LABEL ? [] : [i]));
  const pick = subjectFaceIndex(
    accepted.map((i) => ({ box: faces[i]!.box, score: faces[i]!.detectionScore })),
  );
  return pick < 0 ? -1 : accepted[pick]!;
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
  const { faces, truncated } = await findFaces(models, image, options.policy);
  if (faces.length === 0) return { faces: [], subject: -1, truncated };
  const descriptors = await embedFaces(models, image, faces);
  const classes = await classifyFaceDescriptors(head, descriptors, meta, { topK: options.topK ?? 5 });
  const { width, height } = image;
  const recognized = faces.map((f, i) => ({
    box: {
      left: f.box.left / width,
      top: f.box.top / height,
      width: f.box.width / width,
      height: f.box.height / height,
    },
    detectionScore: f.score,
    source: faceSource(f),
    ...classes[i]!,
  }));
  return { faces: recognized, subject: topLevelFaceIndex(recognized), truncated };
}
