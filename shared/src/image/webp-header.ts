import { MarqueeError } from "../errors.ts";
import { le16, le24, le32 } from "./bytes.ts";
import { readExifOrientation } from "./exif.ts";
import { ascii } from "./latin1.ts";

/** What a WebP's RIFF chunks say. */
export interface WebpInfo {
  width: number;
  height: number;
  animated: boolean;
  /** EXIF orientation from an "EXIF" chunk (extended format only), 1 when absent. */
  orientation: number;
}

const VP8X_ANIMATION = 0x02;
const VP8X_EXIF = 0x08;

/** Reads a WebP's canvas size from its first chunk (VP8, VP8L or VP8X). Throws corrupt_image. */
export function readWebpInfo(bytes: Uint8Array): WebpInfo {
  if (bytes.length < 30) throw corrupt("WebP ends inside its header (truncated)");
  const fourcc = ascii(bytes, 12, 4);
  const data = 20;
  if (fourcc === "VP8 ") {
    if (bytes[data + 3] !== 0x9d || bytes[data + 4] !== 0x01 || bytes[data + 5] !== 0x2a) {
      throw corrupt("WebP (lossy) has a bad VP8 start code");
    }
    const width = le16(bytes, data + 6) & 0x3fff;
    const height = le16(bytes, data + 8) & 0x3fff;
    return checked({ width, height, animated: false, orientation: 1 });
  }
  if (fourcc === "VP8L") {
    if (bytes[data] !== 0x2f) throw corrupt("WebP (lossless) has a bad VP8L signature");
    const bits = le32(bytes, data + 1);
    return checked({
      width: (bits & 0x3fff) + 1,
      height: ((bits >>> 14) & 0x3fff) + 1,
      animated: false,
      orientation: 1,
    });
  }
  if (fourcc === "VP8X") {
    const flags = bytes[data]!;
    const width = le24(bytes, data + 4) + 1;
    const height = le24(bytes, data + 7) + 1;
    const orientation = flags & VP8X_EXIF ? findExifOrientation(bytes) : 1;
    return checked({ width, height, animated: (flags & VP8X_ANIMATION) !== 0, orientation });
  }
  throw corrupt(`WebP starts with an unknown chunk ${JSON.stringify(fourcc)}`);
}

/** Walks the RIFF chunks for "EXIF" (it sits after the image data, so this touches only chunk headers). */
function findExifOrientation(bytes: Uint8Array): number {
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const fourcc = ascii(bytes, offset, 4);
    const size = le32(bytes, offset + 4);
    const start = offset + 8;
    if (start + size > bytes.length) return 1;
    if (fourcc === "EXIF") return readExifOrientation(bytes.subarray(start, start + size));
    offset = start + size + (size & 1); // chunks are padded to even sizes
  }
  return 1;
}

function checked(info: WebpInfo): WebpInfo {
  if (info.width === 0 || info.height === 0) throw corrupt(`WebP header says ${info.width}×${info.height}`);
  return info;
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
