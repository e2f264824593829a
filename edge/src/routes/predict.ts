import {
  type DecodedImage,
  decodeImage,
  MarqueeError,
  type PredictResponse,
  preprocessImage,
} from "@marquee/shared";
import type { Context } from "hono";
import { type EdgeConfig, limitsFor, workingPixelsFor } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { imageFromRequest } from "../http/image-from-request.ts";
import { classify, topK } from "../inference/classify.ts";
import { recognizeFaces } from "../inference/recognize-faces.ts";
import type { LoadedFaceModel } from "../model/build-face-model.ts";
import type { LoadedImageModel } from "../model/build-model.ts";
import type { EdgeRuntime } from "../runtime.ts";

const DEFAULT_TOP_K = 5;

/** Sent with `faces: []` when a face model finds no face. */
export const NO_FACE_MESSAGE =
  "No face was found in the image. Send a photo in which a face is clearly visible (roughly 40 px or wider).";

/** `POST /predict`: classify one uploaded image (image models) or every face in it (face models). */
export function predictHandler(runtime: EdgeRuntime) {
  return async (c: Context<{ Bindings: WorkerEnv }>): Promise<Response> => {
    const start = performance.now();
    const config = runtime.config(c.env);
    // Read (bounded) the body before answering anything else: replying while a client is still
    // sending makes many HTTP clients report a connection reset instead of our error.
    const bytes = await imageFromRequest(c.req.raw, config.limits.maxBytes);
    const k = parseTopK(c.req.query("top_k"));
    await runtime.backend();
    const loaded = await runtime.models(c.env).get();

    const decodeStart = performance.now();
    // Decoded straight to the working size the model needs (never the full-resolution pixels);
    // boxes found on it are fractions of the original photo.
    const decoded = await decodeImage(bytes, {
      limits: limitsFor(config, loaded.metadata.pipeline),
      maxPixels: workingPixelsFor(config, loaded.metadata),
    });
    const decodeEnd = performance.now();
    const body =
      loaded.kind === "face"
        ? await predictFaces(loaded, decoded, k, config)
        : predictImage(loaded, decoded, k);
    body.timingsMs.decode = round(decodeEnd - decodeStart);
    body.timingsMs.total = round(performance.now() - start);
    return c.json(body);
  };
}

function predictImage(loaded: LoadedImageModel, decoded: DecodedImage, k: number): PredictResponse {
  const t0 = performance.now();
  const pixels = preprocessImage(decoded.image, loaded.metadata);
  const t1 = performance.now();
  const scores = classify(loaded, pixels);
  const t2 = performance.now();
  const { metadata } = loaded;
  return {
    predictions: topK(scores, metadata.labels, Math.min(k, metadata.labels.length)),
    model: modelSummary(loaded),
    image: imageSummary(decoded),
    timingsMs: { decode: 0, preprocess: round(t1 - t0), inference: round(t2 - t1), total: 0 },
  };
}

async function predictFaces(
  loaded: LoadedFaceModel,
  decoded: DecodedImage,
  k: number,
  config: EdgeConfig,
): Promise<PredictResponse> {
  const t0 = performance.now();
  const { faces, subject } = await recognizeFaces(loaded, decoded.image, {
    detectorInputSize: config.face.detectorInputSize,
    maxFaces: config.face.maxFaces,
    topK: k,
  });
  const body: PredictResponse = {
    predictions: faces[subject]?.predictions ?? [],
    faces,
    model: modelSummary(loaded),
    image: imageSummary(decoded),
    timingsMs: { decode: 0, preprocess: 0, inference: round(performance.now() - t0), total: 0 },
  };
  if (faces.length === 0) body.message = NO_FACE_MESSAGE;
  return body;
}

function modelSummary({ metadata }: { metadata: LoadedImageModel["metadata"] }): PredictResponse["model"] {
  return { name: metadata.name, version: metadata.version, pipeline: metadata.pipeline };
}

function imageSummary(decoded: DecodedImage): PredictResponse["image"] {
  return { width: decoded.original.width, height: decoded.original.height, format: decoded.header.format };
}

/**
 * Parse `top_k`: absent means 5; otherwise a whole number ≥ 1 (capped later at the label count).
 *
 * @example
 * parseTopK("3"); // 3
 */
export function parseTopK(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TOP_K;
  if (!/^[0-9]{1,6}$/.test(raw) || Number(raw) < 1) {
    throw new MarqueeError(
      "bad_request",
      `top_k must be a whole number of at least 1, got "${raw.slice(0, 20)}".`,
    );
  }
  return Number(raw);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
