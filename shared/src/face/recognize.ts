// Steps 3–5 for a served face model: find the faces (find-faces.ts), embed each, classify each.
import type { ModelMetadata } from "../artifact/metadata.ts";
import type { RgbImage } from "../image/types.ts";
import {
  classifyFaceDescriptors,
  type FaceClassification,
  type FaceHeadModel,
  UNKNOWN_FACE_LABEL,
} from "./classify.ts";
import type { DetectedFace } from "./detect.ts";
import {
  averageDescriptors,
  type DescriptorRecipe,
  describeFaces,
  descriptorRecipeOf,
  landmarksOf,
} from "./embed.ts";
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

/**
 * With a mirror recipe and the distance rule, the mirrored pass runs only for faces whose plain
 * descriptor lands within this distance of the threshold: elsewhere it cannot plausibly flip the
 * answer. Averaging with the mirror moved the centroid distance by at most 0.044 (p99 0.035) on
 * 271 celeb17 validation and five-celeb faces (face-probes/mirror-shift.ts), and on the folds a band of
 * 0.05 gave the same decisions as always mirroring, with the second pass on 12 % of faces.
 */
export const MIRROR_PASS_BAND = 0.06;

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
  const classes = await describeAndClassify(models, head, image, faces, meta, options.topK ?? 5);
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

/**
 * Descriptors and classes for found faces under the model's recipe: the plain pass for every face;
 * with `mirror`, the mirrored pass for faces near the threshold (all faces under the probability
 * rule), whose descriptor becomes the average.
 */
async function describeAndClassify(
  models: FaceModels,
  head: FaceHeadModel,
  image: RgbImage,
  faces: DetectedFace[],
  meta: Pick<ModelMetadata, "labels" | "output" | "face">,
  topK: number,
): Promise<FaceClassification[]> {
  const recipe: Readonly<DescriptorRecipe> = descriptorRecipeOf(meta.face);
  const landmarks = await landmarksOf(models, image, faces);
  const plain = await describeFaces(models, image, landmarks, { crop: recipe.crop, mirrored: false });
  const classes = await classifyFaceDescriptors(head, plain, meta, { topK });
  if (!recipe.mirror) return classes;
  const rule = meta.face?.rejection;
  const near = classes.flatMap((c, i) =>
    rule?.kind === "distance" &&
    c.distance !== null &&
    Math.abs(c.distance - rule.threshold) > MIRROR_PASS_BAND
      ? []
      : [i],
  );
  if (near.length === 0) return classes;
  const mirrored = await describeFaces(
    models,
    image,
    near.map((i) => landmarks[i]!),
    { crop: recipe.crop, mirrored: true },
  );
  const averaged = near.map((i, k) => averageDescriptors(plain[i]!, mirrored[k]!));
  const again = await classifyFaceDescriptors(head, averaged, meta, { topK });
  near.forEach((i, k) => {
    classes[i] = again[k]!;
  });
  return classes;
}
