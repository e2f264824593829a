import type { HealthResponse } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import type { Context } from "hono";
import { limitsFor } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
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
      limits: uploadLimits(limitsFor(runtime.config(c.env), loaded?.metadata.pipeline ?? "image")),
    };
    return c.json(body, model.loaded ? 200 : 503);
  };
}

/** The two limits clients size uploads by (the WebP/GIF whole-decode cap stays internal). */
function uploadLimits({ maxBytes, maxMegapixels }: { maxBytes: number; maxMegapixels: number }) {
  return { maxBytes, maxMegapixels };
}
