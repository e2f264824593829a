import { type ErrorCode, httpStatusFor, isMarqueeError } from "@marquee/shared";

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * Turn any thrown value into a JSON error response. MarqueeErrors keep their code and message;
 * anything else is logged and answered with a generic 500, so no stack or path leaks out.
 */
export function errorResponse(err: unknown, headers?: HeadersInit): Response {
  if (isMarqueeError(err)) return jsonError(err.code, err.message, headers);
  console.error("unexpected error", err);
  return jsonError("internal_error", "Something went wrong inside the worker.", headers);
}

/** A `{ error: { code, message } }` response with the status that belongs to `code`. */
export function jsonError(code: ErrorCode, message: string, headers?: HeadersInit): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status: httpStatusFor(code), headers });
}
