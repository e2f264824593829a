import { isMarqueeError } from "@marquee/shared";
import type { MiddlewareHandler } from "hono";
import { readConfig } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { discardBody } from "./read-body.ts";
import { retryAfterSeconds, WorkLimit, type WorkLimitOptions } from "./work-limit.ts";

// One limit per isolate (module state is per isolate), built from the first request's vars.
let limit: WorkLimit | undefined;

/**
 * Middleware for /predict: holds one of the isolate's work slots (`MAX_CONCURRENT_PREDICTS`) from
 * before the body is read until the answer is built. Refused requests get `busy` (503) with a
 * Retry-After; their bodies are drained first so the client reads the answer, not a reset.
 */
export function limitWork(): MiddlewareHandler<{ Bindings: WorkerEnv }> {
  return async (c, next) => {
    const config = readConfig(c.env);
    limit ??= new WorkLimit(config.work);
    let release: () => void;
    try {
      release = await limit.acquire();
    } catch (err) {
      await discardBody(c.req.raw, config.limits.maxBytes + 64 * 1024);
      throw err;
    }
    try {
      await next();
    } finally {
      release();
    }
  };
}

/** The Retry-After (seconds) to send with an error, when it is the limiter's `busy`. */
export function retryAfterFor(err: unknown): number | undefined {
  if (!isMarqueeError(err, "busy")) return undefined;
  return retryAfterSeconds(limit?.options ?? ({ maxWaitMs: 1000 } as WorkLimitOptions));
}
