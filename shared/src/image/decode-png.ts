import { decode as decodePngPixels } from "fast-png";
import { MarqueeError } from "../errors.ts";
import { verifyPngChunks } from "./png-header.ts";
import { rgbaOverWhite } from "./rgb.ts";
import type { RgbImage } from "./types.ts";

/**
 * Decodes a PNG of any colour type and bit depth to 8-bit RGB, alpha (and tRNS colour keys) on white.
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
  if (png.palette) return paletteToRgb(png.data, width, height, depth, png.palette);
  const n = width * height;
  // Raw samples at the stored depth: 1/2/4-bit rows arrive packed, 16-bit as Uint16Array.
  const raw = depth < 8 ? unpackGray(png.data, width, height, depth) : png.data;
  if (raw.length < n * channels) throw new MarqueeError("corrupt_image", "PNG image data is too short");
  const to8 = scaler(depth);
  // tRNS on gray or RGB names one colour (at the stored depth) that is fully transparent.
  const key =
    png.transparency && png.transparency.length >= (channels >= 3 ? 3 : 1) ? png.transparency : null;
  const hasAlpha = channels === 2 || channels === 4;
  const colours = channels >= 3 ? 3 : 1;

  if (!hasAlpha && !key) {
    const out = new Uint8Array(n * 3);
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      if (colours === 3) {
        out[j] = to8(raw[i * 3]!);
        out[j + 1] = to8(raw[i * 3 + 1]!);
        out[j + 2] = to8(raw[i * 3 + 2]!);
      } else {
        out[j] = out[j + 1] = out[j + 2] = to8(raw[i]!);
      }
    }
    return { width, height, data: out };
  }

  const rgba = new Uint8Array(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const s = i * channels;
    const r = raw[s]!;
    const g = colours === 3 ? raw[s + 1]! : r;
    const b = colours === 3 ? raw[s + 2]! : r;
    rgba[j] = to8(r);
    rgba[j + 1] = to8(g);
    rgba[j + 2] = to8(b);
    if (hasAlpha) rgba[j + 3] = to8(raw[s + colours]!);
    else rgba[j + 3] = r === key![0] && (colours === 1 || (g === key![1] && b === key![2])) ? 0 : 255;
  }
  return rgbaOverWhite(rgba, width, height);
}

function scaler(depth: number): (v: number) => number {
  if (depth === 8) return (v) => v;
  if (depth === 16) return (v) => ((v * 255 + 32767) / 65535) | 0;
  const scale = 255 / ((1 << depth) - 1);
  return (v) => Math.round(v * scale);
}

/** Gray at 1, 2 or 4 bits: fast-png leaves rows packed (each row starts on a byte). Values stay unscaled. */
function unpackGray(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)] ?? 0;
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & max;
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
