import { MarqueeError } from "@marquee/shared";

// How much of an oversize body we read and drop so the client sees our 413 and the connection can
// carry the next request. A streamed (chunked) upload has no Content-Length to refuse it by, so
// cancelling its stream leaves the client writing into a connection nobody reads (under
// `wrangler dev` the next request on it stalls); past this many bytes we give up and cancel.
const DRAIN_LIMIT_FACTOR = 4;

/**
 * Read a request body into memory, refusing it as soon as it passes `maxBytes`: first by the
 * declared Content-Length, then by counting the stream, so a lying or absent header cannot make
 * the worker buffer more than the limit. A body that ends before its Content-Length, or whose
 * stream breaks, is `truncated_body` (400), not a server error.
 *
 * @example
 * const bytes = await readBodyWithLimit(request, 10 * 1024 * 1024);
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declaredHeader = request.headers.get("content-length");
  const declared = declaredHeader === null ? null : Number(declaredHeader);
  if (declared !== null && declared > maxBytes) {
    // Nothing is buffered either way; a body only modestly over the limit is drained so the client
    // reads our 413 instead of a reset connection, a huge one is cut off at once.
    if (declared <= DRAIN_LIMIT_FACTOR * maxBytes) await discardBody(request, DRAIN_LIMIT_FACTOR * maxBytes);
    throw tooLarge(declared, maxBytes);
  }
  if (!request.body) return new Uint8Array(0);
  if (declared !== null && Number.isInteger(declared) && declared > 0) {
    // A declared length within the limit: one native read into one buffer, no chunks to copy and
    // leave behind as garbage (the runtime never delivers more than Content-Length).
    let buffer: ArrayBuffer;
    try {
      buffer = await request.arrayBuffer();
    } catch {
      throw truncated(0, declared);
    }
    if (buffer.byteLength < declared) throw truncated(buffer.byteLength, declared);
    if (buffer.byteLength > maxBytes) throw tooLarge(buffer.byteLength, maxBytes, true);
    return new Uint8Array(buffer);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch {
      throw truncated(total, declared);
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > maxBytes) {
      chunks.length = 0; // drop what we held before draining the rest
      await drain(reader, total, DRAIN_LIMIT_FACTOR * maxBytes);
      throw tooLarge(total, maxBytes, true);
    }
    chunks.push(step.value);
  }
  if (declared !== null && Number.isFinite(declared) && total < declared) throw truncated(total, declared);
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(bytes: number, maxBytes: number, atLeast = false): MarqueeError {
  return new MarqueeError(
    "image_too_large",
    `The body is ${atLeast ? "over " : ""}${formatBytes(bytes)}; the limit is ${formatBytes(maxBytes)}.`,
  );
}

function truncated(received: number, declared: number | null): MarqueeError {
  const expected = declared !== null && Number.isFinite(declared) ? ` of the ${declared} declared` : "";
  const arrived =
    received > 0 ? `: ${received} bytes arrived${expected}` : expected ? ` (${declared} bytes declared)` : "";
  return new MarqueeError(
    "truncated_body",
    `The request body ended early${arrived}. Send the whole image again.`,
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Reads and drops the rest of a stream until it ends or `limit` bytes in total; then cancels. */
async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  already: number,
  limit: number,
): Promise<void> {
  let total = already;
  try {
    while (total <= limit) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away; nothing to drain.
  }
}

/**
 * Read and drop up to `maxBytes` of a body we are about to refuse, so the client gets our error
 * response instead of a connection reset mid-upload; past the limit we stop listening.
 *
 * @example
 * await discardBody(request, 40 * 1024 * 1024); // then answer 401/413/503
 */
export async function discardBody(request: Request, maxBytes: number): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  await drain(request.body.getReader(), 0, maxBytes);
}
