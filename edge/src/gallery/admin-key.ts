import { MarqueeError } from "@marquee/shared";
import type { MiddlewareHandler } from "hono";
import { readConfig } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { constantTimeEqual } from "../http/api-key.ts";
import { discardBody } from "../http/read-body.ts";

/** The 403 message of a write while no admin key is configured: how to enable writes. */
export const ADMIN_KEY_UNSET_MESSAGE =
  "Gallery writes are disabled because this worker has no MARQUEE_ADMIN_KEY. Set one (`pnpm exec wrangler secret put MARQUEE_ADMIN_KEY` when deployed, `MARQUEE_ADMIN_KEY=<key> pnpm start` locally) and send `Authorization: Bearer <key>`.";

/**
 * Gallery writes (enrol, delete, import, export): `Authorization: Bearer <MARQUEE_ADMIN_KEY>`.
 * Unset key → 403 saying how to set it; missing or wrong key → 401. Compared in constant time.
 */
export function requireAdminKey(): MiddlewareHandler<{ Bindings: WorkerEnv }> {
  return async (c, next) => {
    const expected = c.env.MARQUEE_ADMIN_KEY;
    const drain = () => discardBody(c.req.raw, readConfig(c.env).limits.maxBytes + 64 * 1024);
    if (expected === undefined || expected === "") {
      await drain();
      throw new MarqueeError("forbidden", ADMIN_KEY_UNSET_MESSAGE);
    }
    const match = /^Bearer[ ]+(.+)$/i.exec((c.req.header("authorization") ?? "").trim());
    if (!match || !(await constantTimeEqual(match[1] as string, expected))) {
      await drain();
      throw new MarqueeError(
        "unauthorized",
        "Gallery writes need Authorization: Bearer <MARQUEE_ADMIN_KEY>.",
      );
    }
    return next();
  };
}
