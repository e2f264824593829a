import type { ModelResponse } from "@marquee/shared";
import type { Context } from "hono";
import type { WorkerEnv } from "../env.ts";
import type { EdgeRuntime } from "../runtime.ts";

/** `GET /model`: the served model's validated metadata.json (labels, input, metrics); never weights. */
export function modelHandler(runtime: EdgeRuntime) {
  return async (c: Context<{ Bindings: WorkerEnv }>): Promise<Response> => {
    await runtime.backend();
    const { metadata } = await runtime.models(c.env).get();
    const body: ModelResponse = metadata;
    return c.json(body);
  };
}
