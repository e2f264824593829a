// Test helpers only (imports sharp, a devDependency); not exported from the package.
import { createRequire } from "node:module";
import path from "node:path";
import { deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";
import { crc32 } from "./crc32.ts";
import type { RgbImage } from "./types.ts";

/**
 * A deliberately asymmetric gradient (red follows x, green follows y, blue marks the top-left corner),
 * so a wrong rotation or mirror cannot look right.
 */
export function gradientRgb(width = 48, height = 32): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = Math.round((x / (width - 1)) * 255);
      data[o + 1] = Math.round((y / (height - 1)) * 255);
      data[o + 2] = x < width / 3 && y < height / 3 ? 255 : 0;
    }
  }
  return { width, height, data };
}

/** A sharp pipeline over {@link gradientRgb}. */
export function gradientSharp(width = 48, height = 32): Sharp {
  const { data } = gradientRgb(width, height);
  return sharp(Buffer.from(data), { raw: { width, height, channels: 3 } });
}

/** Bytes as a fresh Uint8Array (sharp returns Buffers; the decoder takes plain Uint8Array). */
export function u8(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
}

/** What sharp (libvips) makes of `bytes`: auto-oriented, alpha flattened on white, 8-bit RGB. */
export async function sharpReference(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`sharp gave ${info.channels} channels`);
  return { width: info.width, height: info.height, data: u8(data) };
}

/** Largest absolute per-sample difference between two same-sized RGB images. */
export function maxAbsDiff(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`size differs: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

/** Mean absolute per-sample difference between two same-sized RGB images. */
export function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** Paths of the sample photos @vladmandic/face-api ships (a devDependency of shared). */
export function faceApiSamplePaths(): string[] {
  const pkg = createRequire(import.meta.url).resolve("@vladmandic/face-api/package.json");
  return [1, 2, 3, 4, 5, 6].map((n) => path.join(path.dirname(pkg), "demo", `sample${n}.jpg`));
}

/**
 * A gray PNG at 1, 2 or 4 bits per pixel (sharp cannot write these), with a varied pattern; optionally
 * with a tRNS chunk making one gray value transparent.
 */
export function grayPng(width: number, height: number, depth: number, transparentGray?: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const raw = new Uint8Array((rowBytes + 1) * height); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = (x * 3 + y * 5) % (1 << depth);
      const bit = x * depth;
      raw[y * (rowBytes + 1) + 1 + (bit >> 3)]! |= value << (8 - depth - (bit & 7));
    }
  }
  const extra: [string, Uint8Array][] =
    transparentGray === undefined ? [] : [["tRNS", new Uint8Array([0, transparentGray])]];
  return pngFile(width, height, 0, depth, new Uint8Array(deflateSync(raw)), extra);
}

/** A PNG file assembled by hand from an IHDR and one IDAT payload, with correct CRCs. */
export function pngFile(
  width: number,
  height: number,
  colorType: number,
  depth: number,
  idat: Uint8Array,
  extraChunks: [string, Uint8Array][] = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType; // compression, filter, interlace stay 0
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...extraChunks.map(([type, data]) => pngChunk(type, data)),
    pngChunk("IDAT", idat),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Concatenation of byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}
