import jpegJs from "jpeg-js";
import { MarqueeError } from "../errors.ts";
import type { JpegInfo } from "./jpeg-header.ts";
import { chooseJpegReduction, decodeJpegScaled } from "./jpeg-scaled-decoder.ts";
import { walkJpeg } from "./jpeg-structure.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";
import { hasWasmDecoder, runWasmDecoder, WasmDecodeError } from "./wasm-decoders.ts";

/**
 * Which JPEG decoder to use. "auto": MozJPEG (wasm) for a full-size decode when it is configured,
 * Marquee's own DCT-scaling decoder ("scaled") for reduced decodes, CMYK and when no wasm is
 * configured. "jpeg-js" is kept for comparisons only.
 */
export type JpegDecoderChoice = "auto" | "mozjpeg" | "scaled" | "jpeg-js";

/**
 * Decodes a JPEG (stored orientation, no rotation) to RGB, reduced by the integer `reduction`
 * (1 = full size). The marker structure is walked first, so truncation, a bad sample precision,
 * an unsupported coding process or too many progressive scans are refused before any pixel work.
 * Every message is Marquee's own; a decoder library's text only travels as the error's `cause`.
 */
export async function decodeJpeg(
  bytes: Uint8Array,
  info: JpegInfo,
  choice: JpegDecoderChoice = "auto",
  reduction = 1,
): Promise<RgbImage> {
  // Walks the markers first: refuses truncated files, too many scans and unsupported sample
  // precisions with their own messages, before any decoder allocates.
  walkJpeg(bytes);
  const decoder =
    choice !== "auto"
      ? choice
      : reduction === 1 && hasWasmDecoder("jpeg") && info.components !== 4
        ? "mozjpeg"
        : "scaled";
  if (decoder === "scaled") {
    return decodeJpegScaled(bytes, chooseJpegReduction(reduction));
  }
  if (reduction !== 1) throw new Error(`decodeJpeg: ${decoder} cannot reduce; use "scaled"`);
  if (decoder === "jpeg-js") return decodeWithJpegJs(bytes, info);
  try {
    const { result, messages } = await runWasmDecoder("jpeg", bytes, [false]);
    if (messages.some((m) => /premature end/i.test(m))) {
      throw new MarqueeError("corrupt_image", "JPEG is truncated or corrupt: its image data ends early");
    }
    return rgbaOverWhite(result.data, result.width, result.height);
  } catch (err) {
    if (err instanceof WasmDecodeError) {
      throw new MarqueeError("corrupt_image", "JPEG could not be decoded: its data is corrupt", {
        cause: err,
      });
    }
    throw err;
  }
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
    throw new MarqueeError("corrupt_image", "JPEG could not be decoded: its data is corrupt", { cause: err });
  }
}
