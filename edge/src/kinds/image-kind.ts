import { preprocessImage } from "@marquee/shared";
import { classify, topK } from "../inference/classify.ts";
import { buildModel, type LoadedImageModel } from "../model/build-model.ts";
import { roundMs, type ServedKind } from "./served-kind.ts";

/** Image classifiers: preprocess the whole photo as metadata.json says, one forward pass, top-k. */
export const IMAGE_KIND: ServedKind<LoadedImageModel> = {
  build: (files) => buildModel(files),
  decodeLimits: (config) => config.limits,
  pretrainedWeightFiles: () => [],
  requestOptions: () => ({}),
  async predict(model, decoded, k) {
    const t0 = performance.now();
    const pixels = preprocessImage(decoded.image, model.metadata);
    const t1 = performance.now();
    const scores = classify(model, pixels);
    const t2 = performance.now();
    const { labels } = model.metadata;
    return {
      predictions: topK(scores, labels, Math.min(k, labels.length)),
      timingsMs: { preprocess: roundMs(t1 - t0), inference: roundMs(t2 - t1) },
    };
  },
};
