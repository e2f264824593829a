// The kinds of model the worker serves, keyed by metadata.json's `pipeline`. The one place in edge
// that knows there is more than one kind: the model store, /predict and /health ask here.
import type { DecodeLimits, ModelMetadata } from "@marquee/shared";
import type { EdgeConfig } from "../config.ts";
import type { FaceNetSource, LoadedFaceModel } from "../model/build-face-model.ts";
import type { LoadedImageModel } from "../model/build-model.ts";
import type { ModelFiles } from "../model/read-model-files.ts";
import { FACE_KIND } from "./face-kind.ts";
import { IMAGE_KIND } from "./image-kind.ts";
import type { ServedKind } from "./served-kind.ts";

/** The loaded model of each kind; every pipeline metadata.json allows must have one. */
interface LoadedByKind extends Record<ModelMetadata["pipeline"], { kind: ModelMetadata["pipeline"] }> {
  image: LoadedImageModel;
  face: LoadedFaceModel;
}

/** A served model of any kind. */
export type LoadedModel = LoadedByKind[keyof LoadedByKind];

const SERVED_KINDS: { [K in keyof LoadedByKind]: ServedKind<LoadedByKind[K]> } = {
  image: IMAGE_KIND,
  face: FACE_KIND,
};

/**
 * The served kind for a pipeline name (the model's or its metadata's).
 *
 * @example
 * servedKind(loaded.kind).predict(loaded, decoded, 5, config);
 */
export function servedKind(pipeline: ModelMetadata["pipeline"]): ServedKind<LoadedModel> {
  // Each entry takes its own kind's model; the caller passes the model this name came from.
  return SERVED_KINDS[pipeline] as ServedKind<LoadedModel>;
}

/**
 * Builds the model its metadata.json's pipeline names.
 *
 * @example
 * const model = await buildServedModel(await readModelFiles(fetchFile), faceNets);
 */
export function buildServedModel(
  files: ModelFiles,
  faceNets: FaceNetSource | undefined,
): Promise<LoadedModel> {
  return servedKind(files.metadata.pipeline).build(files, faceNets);
}

/**
 * The decode limits for photos sent to a model of this pipeline (the same for every kind since
 * photos are decoded to the working size; kept per kind so /health and /predict agree).
 *
 * @example
 * decodeLimitsFor(config, "face").maxMegapixels; // 50 with the defaults
 */
export function decodeLimitsFor(config: EdgeConfig, pipeline: ModelMetadata["pipeline"]): DecodeLimits {
  return servedKind(pipeline).decodeLimits(config);
}
