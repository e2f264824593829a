import { MarqueeError } from "@marquee/shared";
import { parseFaceRequestOptions } from "../inference/face-request-options.ts";
import { recognizeServedFaces } from "../inference/recognize-served-faces.ts";
import { buildFaceModel, type LoadedFaceModel } from "../model/build-face-model.ts";
import { faceWeightNames } from "../model/face-options.ts";
import { roundMs, type ServedKind } from "./served-kind.ts";

/** Sent with `faces: []` when a face model finds no face. */
export const NO_FACE_MESSAGE =
  "No face was found in the image. Send a photo in which a face is clearly visible (roughly 40 px or wider).";

/**
 * Face models: the pretrained face nets plus a head on their descriptors; every face (up to
 * `?max_faces=`, 100) is classified, and the top-level predictions are the best accepted face's
 * (empty when every face is unknown). Photos of any accepted size are decoded to the working size
 * (`WORKING_MEGAPIXELS`), which leaves room beside the face nets' wasm.
 */
export const FACE_KIND: ServedKind<LoadedFaceModel> = {
  async build(files, faceNets) {
    if (!faceNets) {
      throw new MarqueeError("model_unavailable", "no source for the pretrained face weights is configured");
    }
    return buildFaceModel(files, faceNets);
  },
  // Photos are decoded to the working size (WORKING_MEGAPIXELS), so face models take what image models take.
  decodeLimits: (config) => config.limits,
  pretrainedWeightFiles: (metadata) => faceWeightNames(metadata),
  requestOptions: (model, query) => parseFaceRequestOptions(query, model.metadata),
  async predict(model, decoded, k, config, options) {
    const t0 = performance.now();
    const { faces, subject, truncated, openSet } = await recognizeServedFaces(model, decoded.image, {
      ...options,
      maxFacesCap: config.face.maxFaces,
      topK: k,
    });
    return {
      predictions: faces[subject]?.predictions ?? [],
      faces,
      truncated,
      openSet,
      timingsMs: { preprocess: 0, inference: roundMs(performance.now() - t0) },
      ...(faces.length === 0 ? { message: NO_FACE_MESSAGE } : {}),
    };
  },
};
