/// <reference path="./omggif.d.ts" />
import omggif from "omggif";
import { MarqueeError } from "../errors.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";

/** Decodes a GIF's first frame onto its logical screen, transparent pixels on white. */
export function decodeGifFirstFrame(bytes: Uint8Array): RgbImage {
  try {
    const reader = new omggif.GifReader(bytes);
    if (reader.numFrames() < 1) throw new Error("it has no frames");
    const rgba = new Uint8Array(reader.width * reader.height * 4); // zero = transparent → white
    reader.decodeAndBlitFrameRGBA(0, rgba);
    return rgbaOverWhite(rgba, reader.width, reader.height);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MarqueeError("corrupt_image", `GIF could not be decoded: ${reason}`, { cause: err });
  }
}
