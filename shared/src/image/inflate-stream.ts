/**
 * Inflates a zlib stream given as byte ranges, handing each piece of output to `onData` as the
 * platform's native inflater (DecompressionStream, in Node and workerd alike) produces it. The input
 * is written a slice at a time and output is read with backpressure, so nothing bigger than one
 * output chunk (tens of KB) exists at once, whatever the stream's ratio. `onData` returns false to
 * stop: the rest of the input is then never inflated. Rejects when the stream is corrupt.
 *
 * @example
 * await inflateStream([idat], (chunk) => { total += chunk.length; return total <= budget; });
 */
export async function inflateStream(
  parts: Uint8Array[],
  onData: (chunk: Uint8Array) => boolean,
  sliceBytes = 16 * 1024,
): Promise<{ stopped: boolean }> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stop = false;
  const writing = (async () => {
    for (const part of parts) {
      for (let o = 0; o < part.length && !stop; o += sliceBytes) {
        await writer.write(
          part.subarray(o, Math.min(part.length, o + sliceBytes)) as Uint8Array<ArrayBuffer>,
        );
      }
    }
    if (!stop) await writer.close();
  })();
  writing.catch(() => undefined); // a write after the reader cancelled, or the stream's error (seen by the reader)
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!onData(value)) {
        stop = true;
        await reader.cancel().catch(() => undefined);
        return { stopped: true };
      }
    }
  } catch (err) {
    stop = true;
    await writer.abort().catch(() => undefined);
    throw err;
  }
  await writing;
  return { stopped: false };
}
