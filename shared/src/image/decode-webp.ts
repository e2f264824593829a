import { MarqueeError } from "../errors.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";
import type { WebpInfo } from "./webp-header.ts";

/** Decodes a still WebP (lossy, lossless, with or without alpha) to RGB on white, with libwebp in wasm. */
export async function decodeWebp(bytes: Uint8Array, info: WebpInfo): Promise<RgbImage> {
  if (info.animated) throw new MarqueeError("unsupported_media_type", "Animated WebP is not supported");
  if (!hasWasmDecoder("webp")) {
    throw new MarqueeError(
      "unsupported_media_type",
      "WebP decoding is not enabled here (no wasm module configured); send JPEG, PNG or GIF",
    );
  }
  try {
    const { result } = await runWasmDecoder("webp", bytes);
    return rgbaOverWhite(result.data, result.width, result.height);
  } catch (err) {
    if (err instanceof WasmDecodeError) {
      throw new MarqueeError("corrupt_image", `WebP could not be decoded: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
