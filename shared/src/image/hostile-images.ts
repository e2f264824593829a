// Structure-aware generators of hostile images for tests: valid headers and CRCs, hostile payloads.
// Test support only (not exported from the package root); used by shared's decoder tests and the
// edge fuzz corpus (test/helpers/malformed-corpus.ts). Pure TypeScript, no sharp.
import { Zlib, zlibSync } from "fflate";
import { crc32 } from "./crc32.ts";

/** A PNG chunk with its length and CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** IHDR payload for `width`×`height`, colour type, depth and interlace method. */
export function ihdr(width: number, height: number, colorType = 2, depth = 8, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, interlace], 8);
  return data;
}

/** A PNG from chunks (signature added). */
export function pngOf(chunks: [string, Uint8Array][]): Uint8Array<ArrayBuffer> {
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ...chunks.map(([type, data]) => pngChunk(type, data)),
  ]);
}

/** A zlib stream of `bytes` zero bytes, built 1 MiB at a time (so the zeros never exist at once). */
export function zlibOfZeros(bytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const compressor = new Zlib({ level: 9 }, (chunk) => parts.push(chunk));
  const block = new Uint8Array(1024 * 1024);
  for (let left = bytes; left > 0; left -= block.length) {
    compressor.push(left >= block.length ? block : block.subarray(0, left), left <= block.length);
  }
  return concat(parts);
}

/** An RGB PNG whose header promises `width`×`height` but whose IDAT inflates to `inflated` bytes of zeros. */
export function pngIdatBomb(width: number, height: number, inflated: number): Uint8Array<ArrayBuffer> {
  return pngOf([
    ["IHDR", ihdr(width, height)],
    ["IDAT", zlibOfZeros(inflated)],
    ["IEND", new Uint8Array(0)],
  ]);
}

/** A small valid RGB PNG (all grey) carrying a compressed ancillary chunk that inflates to `inflated` bytes. */
export function pngAncillaryBomb(type: "iCCP" | "zTXt" | "iTXt", inflated: number): Uint8Array<ArrayBuffer> {
  const keyword = new TextEncoder().encode(type === "iCCP" ? "ICC profile" : "Comment");
  const head =
    type === "iTXt"
      ? concat([keyword, new Uint8Array([0, 1, 0, 0, 0])])
      : concat([keyword, new Uint8Array([0, 0])]);
  return pngOf([
    ["IHDR", ihdr(16, 16)],
    [type, concat([head, zlibOfZeros(inflated)])],
    ["IDAT", grayRgbIdat(16, 16)],
    ["IEND", new Uint8Array(0)],
  ]);
}

/** A PNG with a small first IHDR and a second, huge one (the limit reads the first, a lax decoder the last). */
export function pngSecondIhdr(): Uint8Array<ArrayBuffer> {
  return pngOf([
    ["IHDR", ihdr(16, 16)],
    ["IHDR", ihdr(40000, 40000)],
    ["IDAT", grayRgbIdat(16, 16)],
    ["IEND", new Uint8Array(0)],
  ]);
}

/** A palette (colour type 3) PNG with no PLTE chunk. */
export function pngPaletteWithoutPlte(): Uint8Array<ArrayBuffer> {
  const rows = new Uint8Array(16 * 17); // filter byte + 16 indexes per row, all 0
  return pngOf([
    ["IHDR", ihdr(16, 16, 3, 8)],
    ["IDAT", zlibSync(rows)],
    ["IEND", new Uint8Array(0)],
  ]);
}

/**
 * A greyscale PNG of `depth` bits (1, 2, 4, 8 or 16), optionally Adam7-interlaced, whose pixel (x, y)
 * has the value `value(x, y)` at that depth. Returns the file and the expected 8-bit values.
 */
export function grayPngOf(
  width: number,
  height: number,
  depth: number,
  interlaced: boolean,
  value: (x: number, y: number) => number,
): { bytes: Uint8Array<ArrayBuffer>; expected: Uint8Array } {
  const passes = interlaced
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ]
    : [[0, 0, 1, 1]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.max(0, Math.ceil((width - x0!) / dx!));
    const h = Math.max(0, Math.ceil((height - y0!) / dy!));
    if (w === 0) continue;
    for (let r = 0; r < h; r++) {
      raw.push(0); // filter: none
      const y = y0! + r * dy!;
      const row = new Uint8Array(Math.ceil((w * depth) / 8));
      for (let i = 0; i < w; i++) {
        const v = value(x0! + i * dx!, y);
        if (depth === 16) {
          row[i * 2] = v >> 8;
          row[i * 2 + 1] = v & 255;
        } else if (depth === 8) row[i] = v;
        else row[(i * depth) >> 3]! |= v << (8 - depth - ((i * depth) & 7));
      }
      raw.push(...row);
    }
  }
  const expected = new Uint8Array(width * height);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = value(x, y);
      expected[y * width + x] = depth === 16 ? ((v * 255 + 32767) / 65535) | 0 : Math.round((v * 255) / max);
    }
  }
  const bytes = pngOf([
    ["IHDR", ihdr(width, height, 0, depth, interlaced ? 1 : 0)],
    ["IDAT", zlibSync(new Uint8Array(raw))],
    ["IEND", new Uint8Array(0)],
  ]);
  return { bytes, expected };
}

function grayRgbIdat(width: number, height: number): Uint8Array {
  const rows = new Uint8Array(height * (1 + width * 3)).fill(128);
  for (let y = 0; y < height; y++) rows[y * (1 + width * 3)] = 0;
  return zlibSync(rows);
}

/**
 * A GIF whose logical screen is `screen`×`screen` but whose first frame is `frame`×`frame` at
 * (x, y), with a tiny LZW stream (the frame's size alone is what a lax decoder allocates).
 */
export function gifFrameBiggerThanScreen(
  screen: number,
  frame: number,
  x = 0,
  y = 0,
): Uint8Array<ArrayBuffer> {
  const le = (n: number) => [n & 255, n >> 8];
  return new Uint8Array([
    ...new TextEncoder().encode("GIF89a"),
    ...le(screen),
    ...le(screen),
    0x80, // global colour table, 2 entries
    0,
    0,
    0,
    0,
    0,
    255,
    255,
    255,
    0x2c, // image descriptor
    ...le(x),
    ...le(y),
    ...le(frame),
    ...le(frame),
    0,
    2, // LZW minimum code size
    2,
    0x44,
    0x01, // clear, 0, end (a 1-pixel stream)
    0,
    0x3b,
  ]);
}

/**
 * A progressive JPEG's structure with its last scan repeated until there are `scans` scans: the
 * "thousands of tiny scans" attack, built from a real progressive file so every header is valid.
 */
export function jpegWithManyScans(progressive: Uint8Array, scans: number): Uint8Array<ArrayBuffer> {
  // The last SOS before EOI: scan back for FF DA followed by a plausible header.
  let last = -1;
  for (let i = progressive.length - 2; i > 2; i--) {
    if (progressive[i] === 0xff && progressive[i + 1] === 0xda) {
      last = i;
      break;
    }
  }
  if (last < 0) throw new Error("jpegWithManyScans: no scan found");
  const eoi = progressive.length - 2;
  const scan = progressive.subarray(last, eoi);
  const parts: Uint8Array[] = [progressive.subarray(0, eoi)];
  for (let i = 1; i < scans; i++) parts.push(scan);
  parts.push(new Uint8Array([0xff, 0xd9]));
  return concat(parts);
}

/** A JPEG with its frame header's sample precision replaced (8 → `bits`). */
export function jpegWithPrecision(jpeg: Uint8Array, bits: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(jpeg);
  for (let i = 2; i + 4 < out.length; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1]!;
    const length = (out[i + 2]! << 8) | out[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      out[i + 4] = bits;
      return out;
    }
    i += 2 + length;
  }
  throw new Error("jpegWithPrecision: no SOF0–2 found");
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
