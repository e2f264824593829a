import { MarqueeError } from "../errors.ts";
import { reduceRgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";
import type { WebpInfo } from "./webp-header.ts";

/**
 * Decodes a still WebP (lossy, lossless, with or without alpha) to RGB on white with libwebp in
 * wasm, reduced by the integer `reduction`. libwebp decodes whole, which is why WebP has its own
 * lower pixel cap (`maxWholeDecodeMegapixels`, checked from the header before this runs).
 */
export async function decodeWebp(bytes: Uint8Array, info: WebpInfo, reduction = 1): Promise<RgbImage> {
  if (info.animated) throw new MarqueeError("unsupported_media_type", "Animated WebP is not supported");
  if (!hasWasmDecoder("webp")) {
    throw new MarqueeError(
      "unsupported_media_type",
      "WebP decoding is not enabled here (no wasm module configured); send JPEG, PNG or GIF",
    );
  }
  try {
    const { result } = await runWasmDecoder("webp", bytes);
    return reduceRgbaOverWhite(result.data, result.width, result.width, result.height, reduction);
  } catch (err) {
    if (err instanceof WasmDecodeError) {
      throw new MarqueeError("corrupt_image", "WebP could not be decoded: its data is corrupt", {
        cause: err,
      });
    }
    throw err;
  }
}
