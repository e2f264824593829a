import { MarqueeError } from "../errors.ts";
import { be16 } from "./bytes.ts";
import { readExifOrientation } from "./exif.ts";

/** What the JPEG marker segments before the first scan say. */
export interface JpegInfo {
  width: number;
  height: number;
  /** 1 = grayscale, 3 = YCbCr/RGB, 4 = CMYK/YCCK. */
  components: number;
  /** EXIF orientation 1–8 from the APP1 "Exif" segment, 1 when absent. */
  orientation: number;
  /** Byte offset of the first SOS marker (where entropy-coded data starts). */
  scanOffset: number;
}

const EXIF_ID = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/**
 * Walks JPEG marker segments from SOI to the first SOS without decoding anything.
 * Throws corrupt_image when the structure is broken or the file ends inside the header.
 */
export function readJpegInfo(bytes: Uint8Array): JpegInfo {
  let offset = 2; // past SOI
  let frame: { width: number; height: number; components: number } | null = null;
  let orientation = 1;
  let exifSeen = false;
  while (true) {
    if (offset >= bytes.length) throw corrupt("JPEG ends before its image data (truncated header)");
    if (bytes[offset] !== 0xff) {
      throw corrupt(`JPEG is corrupt: expected a marker at byte ${offset}, found 0x${hex(bytes[offset]!)}`);
    }
    // Any number of 0xFF fill bytes may precede a marker code.
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    if (offset >= bytes.length) throw corrupt("JPEG ends before its image data (truncated header)");
    const marker = bytes[offset]!;
    offset++;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // standalone markers
    if (marker === 0xd9) throw corrupt("JPEG has no image data (EOI before any scan)");
    if (marker === 0xd8) throw corrupt("JPEG is corrupt: a second SOI marker inside the header");
    if (offset + 2 > bytes.length) throw corrupt("JPEG ends inside a marker segment (truncated header)");
    const length = be16(bytes, offset);
    if (length < 2) throw corrupt(`JPEG marker 0xFF${hex(marker)} has an invalid length ${length}`);
    const segment = offset + 2;
    const segmentEnd = offset + length;
    if (marker === 0xda) {
      if (!frame) throw corrupt("JPEG is corrupt: scan data before any frame header (SOF)");
      return { ...frame, orientation, scanOffset: offset - 2 };
    }
    if (segmentEnd > bytes.length) throw corrupt("JPEG ends inside a marker segment (truncated header)");
    if (isStartOfFrame(marker)) {
      if (length < 8) throw corrupt("JPEG frame header (SOF) is too short");
      const height = be16(bytes, segment + 1);
      const width = be16(bytes, segment + 3);
      const components = bytes[segment + 5]!;
      if (width === 0 || height === 0) {
        throw corrupt(`JPEG frame header says ${width}×${height}; zero-sized images cannot be decoded`);
      }
      if (components !== 1 && components !== 3 && components !== 4) {
        throw corrupt(`JPEG has ${components} colour components; expected 1, 3 or 4`);
      }
      frame ??= { width, height, components };
    } else if (marker === 0xe1 && !exifSeen && length >= 2 + 6 + 8 && hasPrefix(bytes, segment, EXIF_ID)) {
      exifSeen = true;
      orientation = readExifOrientation(bytes.subarray(segment + 6, segmentEnd));
    }
    offset = segmentEnd;
  }
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function hasPrefix(bytes: Uint8Array, offset: number, prefix: number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix[i]) return false;
  return true;
}

/**
 * Whether the JPEG's entropy-coded data is followed by an EOI marker. In scan data 0xFF is always
 * stuffed (FF 00) or a restart marker, so FF D9 after the first SOS can only be the real end;
 * an embedded EXIF thumbnail's EOI sits before the SOS and does not count.
 */
export function jpegHasEndMarker(bytes: Uint8Array, scanOffset: number): boolean {
  for (let i = bytes.length - 2; i > scanOffset; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
