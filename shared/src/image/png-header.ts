import { MarqueeError } from "../errors.ts";
import { be32 } from "./bytes.ts";
import { crc32 } from "./crc32.ts";

/** What a PNG's IHDR chunk says. */
export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

const VALID_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16], // gray
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // gray + alpha
  6: [8, 16], // RGBA
};

/** Reads and CRC-checks the IHDR chunk (the first 33 bytes) of a PNG. Throws corrupt_image. */
export function readPngInfo(bytes: Uint8Array): PngInfo {
  if (bytes.length < 33) throw corrupt("PNG ends before its IHDR chunk is complete (truncated)");
  const length = be32(bytes, 8);
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== "IHDR" || length !== 13) throw corrupt("PNG does not start with a valid IHDR chunk");
  if (crc32(bytes, 12, 29) !== be32(bytes, 29)) throw corrupt("PNG chunk IHDR has a bad CRC");
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  const bitDepth = bytes[24]!;
  const colorType = bytes[25]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw corrupt(`PNG IHDR says ${width}×${height}, which is not a valid size`);
  }
  if (!VALID_DEPTHS[colorType]?.includes(bitDepth)) {
    throw corrupt(`PNG IHDR has an invalid colour type ${colorType} with bit depth ${bitDepth}`);
  }
  return { width, height, bitDepth, colorType };
}

/**
 * Checks the CRC of every chunk up to IEND, so a damaged file fails with the chunk's name rather than
 * as an inflate error or silently wrong pixels. One pass over the bytes; no allocation.
 */
export function verifyPngChunks(bytes: Uint8Array): void {
  let offset = 8;
  while (true) {
    if (offset + 12 > bytes.length) throw corrupt("PNG ends before its IEND chunk (truncated)");
    const length = be32(bytes, offset);
    const type = String.fromCharCode(
      bytes[offset + 4]!,
      bytes[offset + 5]!,
      bytes[offset + 6]!,
      bytes[offset + 7]!,
    );
    const dataEnd = offset + 8 + length;
    if (length > 0x7fffffff || dataEnd + 4 > bytes.length) {
      throw corrupt(`PNG chunk ${printable(type)} runs past the end of the file (truncated)`);
    }
    if (crc32(bytes, offset + 4, dataEnd) !== be32(bytes, dataEnd)) {
      throw corrupt(`PNG chunk ${printable(type)} has a bad CRC`);
    }
    if (type === "IEND") return;
    offset = dataEnd + 4;
  }
}

function printable(type: string): string {
  return /^[A-Za-z]{4}$/.test(type) ? type : JSON.stringify(type);
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
