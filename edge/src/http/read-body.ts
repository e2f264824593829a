import { MarqueeError } from "@marquee/shared";

/**
 * Read a request body into memory, refusing it as soon as it passes `maxBytes`: first by the
 * declared Content-Length, then by counting the stream, so a lying or absent header cannot make
 * the worker buffer more than the limit.
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    // Nothing is buffered either way; a body only modestly over the limit is drained so the client
    // reads our 413 instead of a reset connection, a huge one is cut off at once.
    if (Number(declared) <= 2 * maxBytes) await discardBody(request, 2 * maxBytes);
    throw tooLarge(Number(declared), maxBytes);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(total, maxBytes, true);
    }
    chunks.push(value);
  }
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

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/**
 * Read and drop up to `maxBytes` of a body we are about to refuse, so the client gets our error
 * response instead of a connection reset mid-upload; past the limit we stop listening.
 */
export async function discardBody(request: Request, maxBytes: number): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  const reader = request.body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away; nothing to drain.
  }
}
