import type { ModelMetadata, RgbImage } from "@marquee/shared";
import type { FacePrediction, OpenSetRule } from "@marquee/shared/api";
import {
  type FaceHeadModel,
  type FaceModels,
  type FacePolicy,
  recognizeFaces,
  servingFacePolicy,
} from "@marquee/shared/face";
import type { FaceRequestOptions } from "./face-request-options.ts";

/** What recognition needs of a loaded face model (build-face-model.ts's LoadedFaceModel has it). */
export interface ServedFaceNets {
  nets: FaceModels;
  head: FaceHeadModel;
  metadata: ModelMetadata;
}

/** The worker's knobs for {@link recognizeServedFaces}. */
export interface ServeFacesOptions extends FaceRequestOptions {
  /** The worker's cap on faces (`MAX_FACES`); a request's `maxFaces` may only lower it. */
  maxFacesCap: number;
  topK: number;
}

/** The faces found (largest first), which one the top-level answer describes, and the rule used. */
export interface RecognizedFaces {
  faces: FacePrediction[];
  /** Index of the face the top-level `predictions` describe (the subject among accepted faces); -1 when none. */
  subject: number;
  /** More faces were found than the cap. */
  truncated: boolean;
  /** The open-set rule and threshold this answer used. */
  openSet: OpenSetRule;
}

/**
 * The face policy the worker serves a face model with (shared's serving policy with the scores the
 * model recorded): /predict and the galleries find faces with exactly this.
 *
 * @example
 * const policy = servedFacePolicy(model.metadata, { maxFaces: 100 });
 */
export function servedFacePolicy(
  metadata: ServedFaceNets["metadata"],
  options: { maxFaces: number; minFacePixels?: number | undefined },
): FacePolicy {
  const face = metadata.face;
  const recorded = face?.detector.name === "blazeface-back";
  return servingFacePolicy({
    maxFaces: options.maxFaces,
    // Format 1.0 models recorded the tiny detector's 0.5; BlazeFace's own default applies to them.
    minScore: recorded ? face?.minDetectionScore : undefined,
    scaledMinScore: face?.detection?.scaledMinScore,
    minFaceFraction: face?.detection?.minFaceFraction,
    minFacePixels: options.minFacePixels,
  });
}

/**
 * Detect → align → embed → classify every face (up to the cap, largest first) with shared's
 * recognizeFaces under shared's serving policy (BlazeFace + scaled pass, the model's recorded
 * scores), the policy training, `pnpm predict` and `pnpm evaluate` use too, so they answer alike.
 * A request may lower the face cap, raise the smallest face and move the open-set threshold.
 *
 * @example
 * const { faces, subject, openSet } = await recognizeServedFaces(model, image, { maxFacesCap: 100, topK: 5 });
 */
export async function recognizeServedFaces(
  model: ServedFaceNets,
  image: RgbImage,
  options: ServeFacesOptions,
): Promise<RecognizedFaces> {
  const face = model.metadata.face;
  const policy = servedFacePolicy(model.metadata, {
    maxFaces: Math.min(options.maxFacesCap, options.maxFaces ?? options.maxFacesCap),
    minFacePixels: options.minFacePixels,
  });
  const rule = face?.rejection ?? { kind: "distance" as const, threshold: Number.POSITIVE_INFINITY };
  const openSet: OpenSetRule = { rule: rule.kind, threshold: options.threshold ?? rule.threshold };
  const meta =
    face && options.threshold !== undefined
      ? { ...model.metadata, face: { ...face, rejection: { kind: rule.kind, threshold: options.threshold } } }
      : model.metadata;
  const result = await recognizeFaces(model.nets, model.head, image, meta, { policy, topK: options.topK });
  return {
    faces: result.faces.map((f) => ({
      box: f.box,
      detectionScore: f.detectionScore,
      label: f.label,
      score: f.score,
      distance: f.distance,
      predictions: f.predictions,
    })),
    subject: result.subject,
    truncated: result.truncated,
    openSet,
  };
}
