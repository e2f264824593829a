import { MarqueeError } from "@marquee/shared";
import type { MiddlewareHandler } from "hono";
import { readConfig } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { discardBody } from "./read-body.ts";

/**
 * When the `MARQUEE_API_KEY` secret is set, require `Authorization: Bearer <key>` (401 otherwise);
 * when it is unset, let everyone through. The key is compared in constant time and never echoed.
 */
export function requireApiKey(): MiddlewareHandler<{ Bindings: WorkerEnv }> {
  return async (c, next) => {
    const expected = c.env.MARQUEE_API_KEY;
    if (expected === undefined || expected === "") return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ ]+(.+)$/i.exec(header.trim());
    if (!match || !(await constantTimeEqual(match[1] as string, expected))) {
      // Drain what the client sent so it sees the 401 rather than a reset connection.
      await discardBody(c.req.raw, readConfig(c.env).limits.maxBytes + 64 * 1024);
      throw new MarqueeError("unauthorized", "This server needs Authorization: Bearer <key>.");
    }
    return next();
  };
}

/**
 * Compare two strings without leaking where they differ: both are hashed to 32 bytes first, so
 * the loop length does not depend on the secret's length either.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(ha);
  const y = new Uint8Array(hb);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}
