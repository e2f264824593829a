import { MarqueeError } from "../errors.ts";
import type { AvifInfo } from "./avif-header.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";

/**
 * Largest AVIF decoded, in megapixels, whatever the general limit. libavif + dav1d in wasm grow their
 * heap by ~22 bytes per pixel (measured: 1 MP → 33 MiB, 2 MP → 56 MiB, 4 MP → 100 MiB), five times
 * MozJPEG's, and a face model's isolate already holds ~100 MiB with a 2 MP photo: with a 1 MP AVIF it
 * measured ~133 MiB, with 0.5 MP 105–124 MiB over CI runs (over Cloudflare's 128 MB = 122 MiB at
 * times), with 0.25 MP 101–109 MiB (test/edge/face-memory.test.ts, 2026-11-30).
 * The web page converts AVIF to JPEG in the browser, so this only meets API clients sending large AVIFs.
 */
export const AVIF_MAX_MEGAPIXELS = 0.25;

/**
 * Decodes an AVIF still image (or an AVIF sequence's first frame) to 8-bit RGB on white, with
 * libavif + dav1d in wasm (@jsquash/avif). The stored orientation is left to the caller.
 *
 * @example
 * const rgb = await decodeAvif(bytes, readAvifInfo(bytes));
 */
export async function decodeAvif(bytes: Uint8Array, info: AvifInfo): Promise<RgbImage> {
  const megapixels = (info.width * info.height) / 1e6;
  if (megapixels > AVIF_MAX_MEGAPIXELS) {
    throw new MarqueeError(
      "image_too_large",
      `AVIF is ${info.width}×${info.height} (${megapixels.toFixed(1)} MP); AVIFs are decoded up to ` +
        `${AVIF_MAX_MEGAPIXELS} MP (their decoder needs ~22 bytes per pixel). Shrink it, or send it as JPEG.`,
    );
  }
  if (!hasWasmDecoder("avif")) {
    throw new MarqueeError(
      "unsupported_media_type",
      "AVIF decoding is not enabled here (no wasm module configured); send JPEG, PNG, WebP or GIF",
    );
  }
  try {
    // 8: ask for 8-bit RGBA whatever the file's bit depth (10- and 12-bit AVIFs are common).
    const { result } = await runWasmDecoder("avif", bytes, [8]);
    return rgbaOverWhite(result.data, result.width, result.height);
  } catch (err) {
    if (err instanceof WasmDecodeError) {
      throw new MarqueeError("corrupt_image", `AVIF could not be decoded: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
