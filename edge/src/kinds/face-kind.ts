import { MarqueeError } from "@marquee/shared";
import { recognizeServedFaces } from "../inference/recognize-served-faces.ts";
import { buildFaceModel, type LoadedFaceModel } from "../model/build-face-model.ts";
import { faceWeightNames } from "../model/face-options.ts";
import { roundMs, type ServedKind } from "./served-kind.ts";

/** Sent with `faces: []` when a face model finds no face. */
export const NO_FACE_MESSAGE =
  "No face was found in the image. Send a photo in which a face is clearly visible (roughly 40 px or wider).";

/**
 * Face models: the pretrained face nets plus a head on their descriptors; every face is classified,
 * and the top-level predictions are the photo's subject's. Photos get the lower of the two
 * megapixel caps (`FACE_MAX_MEGAPIXELS`), since the face nets already hold ~70 MiB of wasm memory.
 */
export const FACE_KIND: ServedKind<LoadedFaceModel> = {
  async build(files, faceNets) {
    if (!faceNets) {
      throw new MarqueeError("model_unavailable", "no source for the pretrained face weights is configured");
    }
    return buildFaceModel(files, faceNets);
  },
  decodeLimits: (config) => ({
    ...config.limits,
    maxMegapixels: Math.min(config.limits.maxMegapixels, config.face.maxMegapixels),
  }),
  pretrainedWeightFiles: (metadata) => faceWeightNames(metadata),
  async predict(model, decoded, k, config) {
    const t0 = performance.now();
    const { faces, subject } = await recognizeServedFaces(model, decoded.image, {
      detectorInputSize: config.face.detectorInputSize,
      maxFaces: config.face.maxFaces,
      topK: k,
    });
    return {
      predictions: faces[subject]?.predictions ?? [],
      faces,
      timingsMs: { preprocess: 0, inference: roundMs(performance.now() - t0) },
      ...(faces.length === 0 ? { message: NO_FACE_MESSAGE } : {}),
    };
  },
};
