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
  if (bytes.length < 33) throw corruptPng("PNG ends before its IHDR chunk is complete (truncated)");
  const length = be32(bytes, 8);
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== "IHDR" || length !== 13) throw corruptPng("PNG does not start with a valid IHDR chunk");
  if (crc32(bytes, 12, 29) !== be32(bytes, 29)) throw corruptPng("PNG chunk IHDR has a bad CRC");
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  const bitDepth = bytes[24]!;
  const colorType = bytes[25]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw corruptPng(`PNG IHDR says ${width}×${height}, which is not a valid size`);
  }
  if (!VALID_DEPTHS[colorType]?.includes(bitDepth)) {
    throw corruptPng(`PNG IHDR has an invalid colour type ${colorType} with bit depth ${bitDepth}`);
  }
  return { width, height, bitDepth, colorType };
}

/** A chunk type for a message: as is when it is four letters, else quoted (it may hold any bytes). */
export function printableChunkType(type: string): string {
  return /^[A-Za-z]{4}$/.test(type) ? type : JSON.stringify(type);
}

/** A corrupt_image error, as every PNG check throws. */
export function corruptPng(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
