/**
 * Stable, machine-readable error codes shared by the trainer and the edge worker.
 * The edge maps each to an HTTP status with {@link httpStatusFor}; never rename a code,
 * clients match on it.
 */
export const ERROR_CODES = [
  "empty_body",
  "bad_request",
  "truncated_body",
  "unsupported_media_type",
  "image_too_large",
  "corrupt_image",
  "invalid_metadata",
  "model_unavailable",
  "unauthorized",
  "not_found",
  "method_not_allowed",
  "internal_error",
  "forbidden",
  "no_face",
  "several_faces",
  "embedder_mismatch",
  "limit_exceeded",
  "payload_too_large",
  "gallery_unavailable",
  "busy",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Record<ErrorCode, number> = {
  empty_body: 400,
  bad_request: 400,
  truncated_body: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  image_too_large: 413,
  unsupported_media_type: 415,
  corrupt_image: 422,
  invalid_metadata: 503,
  model_unavailable: 503,
  internal_error: 500,
  forbidden: 403,
  no_face: 422,
  several_faces: 422,
  embedder_mismatch: 409,
  limit_exceeded: 409,
  payload_too_large: 413,
  gallery_unavailable: 503,
  busy: 503,
};

/**
 * An error with a stable {@link ErrorCode} and a message fit to show a user.
 *
 * @example
 * throw new MarqueeError("image_too_large", "Image is 30000×30000 (900 MP); the limit is 40 MP.");
 */
export class MarqueeError extends Error {
  override readonly name = "MarqueeError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `err` is a {@link MarqueeError}, optionally with the given code. */
export function isMarqueeError(err: unknown, code?: ErrorCode): err is MarqueeError {
  return err instanceof MarqueeError && (code === undefined || err.code === code);
}

/** The HTTP status the edge answers with for an error code, e.g. `corrupt_image` → 422. */
export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
