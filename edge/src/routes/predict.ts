import { decodeImage, MarqueeError, preprocessImage } from "@marquee/shared";
import type { Context } from "hono";
import type { PredictResponse } from "../api-types.ts";
import type { WorkerEnv } from "../env.ts";
import { imageFromRequest } from "../http/image-from-request.ts";
import { classify, topK } from "../inference/classify.ts";
import type { EdgeRuntime } from "../runtime.ts";

const DEFAULT_TOP_K = 5;

/** `POST /predict`: classify one uploaded image. */
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
    const decoded = await decodeImage(bytes, { limits: config.limits });
    const preprocessStart = performance.now();
    const pixels = preprocessImage(decoded.image, loaded.metadata);
    const inferenceStart = performance.now();
    const scores = classify(loaded, pixels);
    const end = performance.now();

    const { metadata } = loaded;
    const body: PredictResponse = {
      predictions: topK(scores, metadata.labels, Math.min(k, metadata.labels.length)),
      model: { name: metadata.name, version: metadata.version, pipeline: metadata.pipeline },
      image: { width: decoded.image.width, height: decoded.image.height, format: decoded.header.format },
      timingsMs: {
        decode: round(preprocessStart - decodeStart),
        preprocess: round(inferenceStart - preprocessStart),
        inference: round(end - inferenceStart),
        total: round(end - start),
      },
    };
    return c.json(body);
  };
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
