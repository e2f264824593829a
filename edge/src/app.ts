import { Hono } from "hono";
import { cors } from "hono/cors";
import type { WorkerEnv } from "./env.ts";
import { galleryRoutes } from "./gallery/routes.ts";
import { requireApiKey } from "./http/api-key.ts";
import { errorResponse, jsonError } from "./http/error-response.ts";
import { limitWork, retryAfterFor } from "./http/limit-work.ts";
import { healthHandler } from "./routes/health.ts";
import { modelHandler } from "./routes/model.ts";
import { predictHandler } from "./routes/predict.ts";
import { staticPageHandler } from "./routes/static-page.ts";
import type { EdgeRuntime } from "./runtime.ts";

const PREDICT_CORS = cors({
  origin: "*",
  allowMethods: ["POST", "OPTIONS"],
  allowHeaders: ["Content-Type", "Authorization"],
  maxAge: 86400,
});

/** Methods each API path answers; any other method gets 405 with an Allow header. */
const ROUTES: Record<string, string> = {
  "/predict": "POST, OPTIONS",
  "/health": "GET, HEAD",
  "/model": "GET, HEAD",
};

/**
 * The worker's Hono app: /predict, /health, /model, the galleries and /verify, the page from the
 * static assets, JSON errors.
 *
 * @example
 * export default createApp(createRuntime({ tfjsSimd }));
 */
export function createApp(runtime: EdgeRuntime): Hono<{ Bindings: WorkerEnv }> {
  const app = new Hono<{ Bindings: WorkerEnv }>();
  app.use("/predict", PREDICT_CORS);
  app.post("/predict", requireApiKey(), limitWork(), predictHandler(runtime));
  app.get("/health", healthHandler(runtime));
  app.get("/model", modelHandler(runtime));
  app.route("/", galleryRoutes(runtime));
  for (const [path, allow] of Object.entries(ROUTES)) {
    app.all(path, (c) =>
      jsonError("method_not_allowed", `${c.req.method} is not allowed on ${path}; use ${allow}.`, {
        Allow: allow,
      }),
    );
  }
  app.notFound(staticPageHandler(runtime));
  app.onError((err, c) => {
    const headers: Record<string, string> =
      c.req.path === "/predict" ? { "Access-Control-Allow-Origin": "*" } : {};
    const retryAfter = retryAfterFor(err);
    if (retryAfter !== undefined) headers["Retry-After"] = String(retryAfter);
    return errorResponse(err, headers);
  });
  return app;
}
