import jpegJs from "jpeg-js";
import { MarqueeError } from "../errors.ts";
import { type JpegInfo, jpegHasEndMarker } from "./jpeg-header.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";

/** Which JPEG decoder to use; "auto" = MozJPEG (wasm) when configured, jpeg-js otherwise and for CMYK. */
export type JpegDecoderChoice = "auto" | "mozjpeg" | "jpeg-js";

/**
 * Decodes a JPEG (stored orientation, no rotation) to RGB. `info` is from readJpegInfo.
 * Truncation is detected up front, because both decoders otherwise fill the missing rows with grey
 * and report success.
 */
export async function decodeJpeg(
  bytes: Uint8Array,
  info: JpegInfo,
  choice: JpegDecoderChoice = "auto",
): Promise<RgbImage> {
  if (!jpegHasEndMarker(bytes, info.scanOffset)) {
    throw new MarqueeError(
      "corrupt_image",
      "JPEG is truncated: the image data ends without an end-of-image marker",
    );
  }
  // MozJPEG's binding asks libjpeg for RGBA output, which libjpeg cannot produce from CMYK/YCCK.
  const useWasm =
    choice === "mozjpeg" || (choice === "auto" && hasWasmDecoder("jpeg") && info.components !== 4);
  if (useWasm) {
    try {
      const { result, messages } = await runWasmDecoder("jpeg", bytes, [false]);
      const premature = messages.find((m) => /premature end/i.test(m));
      if (premature) throw new MarqueeError("corrupt_image", `JPEG is truncated or corrupt: ${premature}`);
      return rgbaOverWhite(result.data, result.width, result.height);
    } catch (err) {
      if (err instanceof WasmDecodeError) {
        if (choice === "auto" && /unsupported/i.test(err.message)) return decodeWithJpegJs(bytes, info);
        throw new MarqueeError("corrupt_image", `JPEG could not be decoded: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
  return decodeWithJpegJs(bytes, info);
}

function decodeWithJpegJs(bytes: Uint8Array, info: JpegInfo): RgbImage {
  try {
    const decoded = jpegJs.decode(bytes, {
      useTArray: true, // the default returns a Node Buffer, which workerd lacks
      formatAsRGBA: false,
      // Limits were checked from the header already; these only stop jpeg-js refusing big-but-allowed images.
      maxResolutionInMP: Math.ceil((info.width * info.height) / 1e6) + 1,
      maxMemoryUsageInMB: 2048,
    });
    return { width: decoded.width, height: decoded.height, data: decoded.data };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MarqueeError("corrupt_image", `JPEG could not be decoded: ${reason}`, { cause: err });
  }
}
