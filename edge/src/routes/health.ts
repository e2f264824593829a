import type { HealthResponse } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import type { Context } from "hono";
import type { WorkerEnv } from "../env.ts";
import { decodeLimitsFor } from "../kinds/registry.ts";
import type { EdgeRuntime } from "../runtime.ts";

/**
 * `GET /health`: tries to have the model loaded (so a fixed model recovers here too), then
 * reports it. 200 when ready, 503 with the load error otherwise.
 */
export function healthHandler(runtime: EdgeRuntime) {
  return async (c: Context<{ Bindings: WorkerEnv }>): Promise<Response> => {
    const backend = await runtime.backend();
    const store = runtime.models(c.env);
    const loaded = await store.get().catch(() => undefined);
    const model = store.status();
    const body: HealthResponse = {
      ok: model.loaded,
      model,
      backend: backend.backend,
      simd: backend.simd,
      tensors: tf.memory().numTensors,
      wasmMemoryBytes: backend.wasmMemoryBytes(),
      limits: uploadLimits(decodeLimitsFor(runtime.config(c.env), loaded?.kind ?? "image")),
    };
    return c.json(body, model.loaded ? 200 : 503);
  };
}

/** The two limits clients size uploads by (the WebP/GIF whole-decode cap stays internal). */
function uploadLimits({ maxBytes, maxMegapixels }: { maxBytes: number; maxMegapixels: number }) {
  return { maxBytes, maxMegapixels };
}
