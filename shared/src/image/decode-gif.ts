/// <reference path="./omggif.d.ts" />
import omggif, { type GifFrameInfo, type GifReader } from "omggif";
import { MarqueeError } from "../errors.ts";
import { reduceRgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";

/**
 * Decodes a GIF's first frame onto its logical screen, transparent pixels on white, reduced by the
 * integer `reduction`. The frame's own size is checked against `maxPixels` before anything is
 * allocated (the screen size in the header says nothing about it), and a frame reaching past the
 * screen is clipped to it rather than trusted.
 */
export function decodeGifFirstFrame(bytes: Uint8Array, maxPixels: number, reduction = 1): RgbImage {
  let reader: GifReader;
  let frame: GifFrameInfo;
  try {
    reader = new omggif.GifReader(bytes);
    if (reader.numFrames() < 1) throw new MarqueeError("corrupt_image", "GIF has no frames");
    frame = reader.frameInfo(0);
  } catch (err) {
    if (err instanceof MarqueeError) throw err;
    throw new MarqueeError("corrupt_image", "GIF could not be decoded: its structure is corrupt", {
      cause: err,
    });
  }
  const screenW = reader.width;
  const screenH = reader.height;
  const canvasW = Math.max(screenW, frame.x + frame.width);
  const canvasH = Math.max(screenH, frame.y + frame.height);
  if (frame.width * frame.height > maxPixels || canvasW * canvasH > maxPixels) {
    throw new MarqueeError(
      "image_too_large",
      `GIF's first frame is ${frame.width}×${frame.height} at (${frame.x}, ${frame.y}) on a ${screenW}×${screenH} screen; the limit is ${maxPixels / 1e6} MP.`,
    );
  }
  let source = bytes;
  if (canvasW !== screenW || canvasH !== screenH) {
    // omggif draws with the screen's stride, so a frame wider than the screen would wrap into the
    // next rows: draw on a screen enlarged to hold it, then keep the real screen's part.
    source = bytes.slice();
    source[6] = canvasW & 0xff;
    source[7] = canvasW >> 8;
    source[8] = canvasH & 0xff;
    source[9] = canvasH >> 8;
    reader = new omggif.GifReader(source);
  }
  const rgba = new Uint8Array(canvasW * canvasH * 4); // zero = transparent → white
  try {
    reader.decodeAndBlitFrameRGBA(0, rgba);
  } catch (err) {
    throw new MarqueeError("corrupt_image", "GIF could not be decoded: its image data is corrupt", {
      cause: err,
    });
  }
  return reduceRgbaOverWhite(rgba, canvasW, screenW, screenH, reduction);
}
