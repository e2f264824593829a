import { MarqueeError } from "../errors.ts";
import { le16 } from "./bytes.ts";

/** A GIF's logical screen size (the canvas its first frame is drawn on). */
export interface GifInfo {
  width: number;
  height: number;
}

/** Reads the logical screen descriptor. Throws corrupt_image. */
export function readGifInfo(bytes: Uint8Array): GifInfo {
  if (bytes.length < 13) throw corrupt("GIF ends inside its header (truncated)");
  const width = le16(bytes, 6);
  const height = le16(bytes, 8);
  if (width === 0 || height === 0) throw corrupt(`GIF header says ${width}×${height}`);
  return { width, height };
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
