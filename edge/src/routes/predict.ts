import { decodeImage, MarqueeError, type PredictResponse } from "@marquee/shared";
import type { Context } from "hono";
import { workingPixelsFor } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { imageFromRequest } from "../http/image-from-request.ts";
import { servedKind } from "../kinds/registry.ts";
import { roundMs } from "../kinds/served-kind.ts";
import type { EdgeRuntime } from "../runtime.ts";

const DEFAULT_TOP_K = 5;

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
    const kind = servedKind(loaded.kind);
    const options = kind.requestOptions(loaded, c.req.query());
    const decodeStart = performance.now();
    // Decoded straight to the working size the model needs (never the full-resolution pixels);
    // boxes found on it are fractions of the original photo.
    const decoded = await decodeImage(bytes, {
      limits: kind.decodeLimits(config),
      maxPixels: workingPixelsFor(config, loaded.metadata),
    });
    const decodeMs = roundMs(performance.now() - decodeStart);
    const { predictions, faces, truncated, openSet, message, timingsMs } = await kind.predict(
      loaded,
      decoded,
      k,
      config,
      options,
    );
    const { metadata } = loaded;
    const body: PredictResponse = {
      predictions,
      ...(faces ? { faces } : {}),
      ...(truncated === undefined ? {} : { truncated }),
      ...(openSet ? { openSet } : {}),
      model: { name: metadata.name, version: metadata.version, pipeline: metadata.pipeline },
      image: {
        width: decoded.original.width,
        height: decoded.original.height,
        format: decoded.header.format,
      },
      timingsMs: { decode: decodeMs, ...timingsMs, total: roundMs(performance.now() - start) },
      ...(message ? { message } : {}),
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
