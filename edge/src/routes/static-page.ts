import type { Context } from "hono";
import type { WorkerEnv } from "../env.ts";
import { jsonError } from "../http/error-response.ts";
import { withPageSecurityHeaders } from "../http/security-headers.ts";
import type { EdgeRuntime } from "../runtime.ts";

/**
 * Anything that is not an API route: GET/HEAD are served from the static assets (the page),
 * except the model folder, whose weights must stay private; everything else is a JSON 404.
 */
export function staticPageHandler(runtime: EdgeRuntime) {
  return async (c: Context<{ Bindings: WorkerEnv }>): Promise<Response> => {
    const path = c.req.path;
    const method = c.req.method;
    if ((method === "GET" || method === "HEAD") && !isPrivate(path, runtime.config(c.env).modelPath)) {
      const asset = await c.env.ASSETS.fetch(c.req.raw);
      if (asset.status < 400) return withPageSecurityHeaders(asset);
      await asset.body?.cancel();
    }
    return jsonError("not_found", `Nothing lives at ${path.length > 100 ? `${path.slice(0, 100)}…` : path}.`);
  };
}

// The model folder and the conventional models/ root are never served, whatever MODEL_PATH says.
function isPrivate(path: string, modelPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).toLowerCase();
  } catch {
    return true;
  }
  const normalised = decoded.replace(/\/+/g, "/").replace(/\\/g, "/");
  return (
    normalised.includes("/../") ||
    normalised.startsWith("/models/") ||
    normalised === "/models" ||
    normalised.startsWith(`/${modelPath.toLowerCase()}/`) ||
    normalised.includes(".wrangler")
  );
}
