import { MarqueeError } from "../errors.ts";
import type { AvifInfo } from "./avif-header.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";

/**
 * Decodes an AVIF still image (or an AVIF sequence's first frame) to 8-bit RGB on white, with
 * libavif + dav1d in wasm (@jsquash/avif). The stored orientation is left to the caller.
 *
 * @example
 * const rgb = await decodeAvif(bytes, readAvifInfo(bytes));
 */
export async function decodeAvif(bytes: Uint8Array, _info: AvifInfo): Promise<RgbImage> {
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
