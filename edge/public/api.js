// @ts-check
// Talks to the worker's JSON API (POST /predict, GET /model, GET /health) and turns every
// failure, including a dead network or a non-JSON answer, into an ApiError a person can act on.

// The API's shapes are the worker's own (shared/src/api/types.ts), imported for type checking only.
/**
 * @typedef {import("@marquee/shared/api").HealthResponse["limits"]} UploadLimits
 * @typedef {import("@marquee/shared/api").PredictionEntry} Prediction
 * @typedef {import("@marquee/shared/api").FractionBox} FractionBox
 * @typedef {import("@marquee/shared/api").FacePrediction} Face
 * @typedef {import("@marquee/shared/api").PredictResponse} PredictResult
 * @typedef {import("@marquee/shared/api").ModelResponse} ModelInfo
 */

/**
 * Limits assumed when /health does not report them: wrangler.toml's MAX_BYTES and MAX_MEGAPIXELS
 * (50 MP: the worker decodes every photo to its ~2 MP working size). A server with tighter limits
 * answers 413 and the page shrinks and retries.
 */
export const DEFAULT_LIMITS = Object.freeze({ maxBytes: 10 * 1024 * 1024, maxMegapixels: 50 });

/** How many predictions to ask for per face (the API caps it at the label count). */
export const TOP_K = 5;

// Long enough for a cold worker on a slow phone connection, short enough that nobody waits forever.
const PREDICT_TIMEOUT_MS = 60_000;

/** Friendly wording per stable error code; the server's own message is shown beneath it. */
const FRIENDLY = {
  image_too_large: "That photo is too large for the server, even after shrinking it.",
  unsupported_media_type: "That file isn't a photo Marquee can read. Try a JPEG, PNG, WebP, GIF or AVIF.",
  corrupt_image: "That photo looks damaged or incomplete, so it couldn't be read. Try another copy.",
  empty_body: "That file is empty.",
  model_unavailable: "The recognition model isn't available right now. Please try again later.",
  invalid_metadata: "The recognition model isn't available right now. Please try again later.",
  unauthorized: "This server needs an API key before it will look at photos.",
  bad_request: "The server didn't understand that request.",
  internal_error: "Something went wrong on the server. Please try again.",
  network: "Couldn't reach the server. Check your connection and try again.",
  timeout: "The server took too long to answer. Please try again.",
  bad_response: "The server sent an answer this page doesn't understand.",
};

/** A failed API call, with a friendly `title` and the server's `detail`. */
export class ApiError extends Error {
  /**
   * @param {string} code stable error code from the API, or network / timeout / bad_response
   * @param {string} detail the server's message, or what went wrong locally
   * @param {number} status HTTP status, 0 when no response arrived
   */
  constructor(code, detail, status) {
    super(detail);
    this.code = code;
    this.status = status;
    this.detail = detail;
    /** @type {string} */
    this.title = FRIENDLY[/** @type {keyof typeof FRIENDLY} */ (code)] ?? FRIENDLY.internal_error;
  }
}

/**
 * Fetch and parse JSON; an `{ error: { code, message } }` body or a non-2xx status becomes an ApiError.
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function requestJson(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    const name = err instanceof Error || err instanceof DOMException ? err.name : "";
    if (name === "TimeoutError") throw new ApiError("timeout", String(err), 0);
    if (name === "AbortError") throw new ApiError("aborted", String(err), 0);
    throw new ApiError("network", err instanceof Error ? err.message : String(err), 0);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError("bad_response", `HTTP ${response.status} without a JSON body.`, response.status);
  }
  if (body && typeof body === "object" && body.error && typeof body.error.code === "string") {
    throw new ApiError(body.error.code, String(body.error.message ?? ""), response.status);
  }
  if (!response.ok) throw new ApiError("bad_response", `HTTP ${response.status}.`, response.status);
  return { status: response.status, body };
}

/**
 * Upload limits from GET /health (`limits: { maxBytes, maxMegapixels }`), falling back to the
 * defaults when the worker doesn't report them or can't be reached.
 * @returns {Promise<UploadLimits>}
 */
export async function fetchLimits() {
  try {
    const response = await fetch("health", { headers: { Accept: "application/json" } });
    // A 503 /health still carries the limits: they don't depend on the model.
    const limits = (await response.json())?.limits;
    return {
      maxBytes: positiveOr(limits?.maxBytes, DEFAULT_LIMITS.maxBytes),
      maxMegapixels: positiveOr(limits?.maxMegapixels, DEFAULT_LIMITS.maxMegapixels),
    };
  } catch {
    return { ...DEFAULT_LIMITS };
  }
}

/**
 * The served model's metadata.json (GET /model).
 * @returns {Promise<ModelInfo>}
 */
export async function fetchModel() {
  return (await requestJson("model", { headers: { Accept: "application/json" } })).body;
}

/**
 * Send one image to POST /predict as the raw request body.
 * @param {Blob} image
 * @param {{ apiKey?: string, signal?: AbortSignal }} [options]
 * @returns {Promise<PredictResult>}
 */
export async function predict(image, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { "Content-Type": image.type || "application/octet-stream", Accept: "application/json" };
  if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
  // One controller for both the caller's cancel and the timeout (AbortSignal.any is too new for older phones).
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("No answer in time.", "TimeoutError")),
    PREDICT_TIMEOUT_MS,
  );
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", cancel, { once: true });
  let body;
  try {
    ({ body } = await requestJson(`predict?top_k=${TOP_K}`, {
      method: "POST",
      body: image,
      headers,
      signal: controller.signal,
    }));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
  if (!Array.isArray(body?.predictions))
    throw new ApiError("bad_response", "No predictions in the answer.", 200);
  return body;
}

/**
 * @param {unknown} value
 * @param {number} fallback
 */
function positiveOr(value, fallback) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
