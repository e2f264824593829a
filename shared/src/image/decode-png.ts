import { decode as decodePngPixels } from "fast-png";
import { MarqueeError } from "../errors.ts";
import { verifyPngChunks } from "./png-header.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";

/**
 * Decodes a PNG of any colour type and bit depth to 8-bit RGB, alpha on white.
 * Every chunk's CRC is checked first, so damage is reported by chunk name.
 */
export function decodePng(bytes: Uint8Array): RgbImage {
  verifyPngChunks(bytes);
  let png: ReturnType<typeof decodePngPixels>;
  try {
    png = decodePngPixels(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MarqueeError("corrupt_image", `PNG could not be decoded: ${reason}`, { cause: err });
  }
  const { width, height, depth, channels } = png;
  const n = width * height;
  if (png.palette) return paletteToRgb(png.data, width, height, depth, png.palette);
  const samples = n * channels;
  if (png.data.length < samples && depth >= 8)
    throw new MarqueeError("corrupt_image", "PNG image data is too short");
  const eight =
    depth === 16
      ? to8bit(png.data as Uint16Array)
      : depth < 8
        ? unpackGray(png.data, width, height, depth)
        : png.data;
  const rgba = channels === 4 ? eight : null;
  if (rgba) return rgbaOverWhite(rgba, width, height);
  const out = new Uint8Array(n * 3);
  if (channels === 3) {
    out.set(eight.subarray(0, n * 3));
    return { width, height, data: out };
  }
  if (channels === 1) {
    for (let i = 0, j = 0; i < n; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = eight[i]!;
    return { width, height, data: out };
  }
  // Gray + alpha: composite like RGBA.
  const expanded = new Uint8Array(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    expanded[j] = expanded[j + 1] = expanded[j + 2] = eight[i * 2]!;
    expanded[j + 3] = eight[i * 2 + 1]!;
  }
  return rgbaOverWhite(expanded, width, height);
}

function to8bit(data: Uint16Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i]! * 255 + 32767) / 65535;
  return out;
}

/** Gray at 1, 2 or 4 bits: fast-png leaves rows packed (each row starts on a byte). */
function unpackGray(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  const scale = 255 / max;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)]!;
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width + x] = Math.round(value * scale);
    }
  }
  return out;
}

function paletteToRgb(
  indexes: ArrayLike<number>,
  width: number,
  height: number,
  depth: number,
  palette: number[][],
): RgbImage {
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = indexes[y * rowBytes + (bit >> 3)] ?? 0;
      const index = depth === 8 ? byte : (byte >> (8 - depth - (bit & 7))) & max;
      const entry = palette[index];
      if (!entry)
        throw new MarqueeError("corrupt_image", `PNG pixel uses palette index ${index}, beyond the palette`);
      const o = (y * width + x) * 4;
      rgba[o] = entry[0]!;
      rgba[o + 1] = entry[1]!;
      rgba[o + 2] = entry[2]!;
      rgba[o + 3] = entry[3] ?? 255; // fast-png appends tRNS alpha to each palette entry
    }
  }
  return rgbaOverWhite(rgba, width, height);
}
