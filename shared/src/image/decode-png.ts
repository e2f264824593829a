import { MarqueeError } from "../errors.ts";
import { BoxReducer, ScatterReducer } from "./box-reducer.ts";
import { InflateError, inflate } from "./inflate.ts";
import { checkCompressedChunks, type PngStructure, readPngStructure } from "./png-structure.ts";
import type { RgbImage } from "./types.ts";

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7: x0, y0, dx, dy of each pass. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
}

/**
 * Decodes a PNG of any colour type, bit depth and interlacing to 8-bit RGB (alpha and tRNS on
 * white), reduced by the integer `reduction` as it goes: IDAT is inflated into one reusable buffer (inflate.ts), each
 * row is unfiltered and converted as soon as it is complete and goes straight into a box filter, so
 * the full-resolution image is never held. The first byte past what IHDR promises is refused
 * (`corrupt_image`), so a decompression bomb costs no more than an honest file of its header's size;
 * too little data is refused too.
 *
 * @example
 * const half = await decodePng(bytes, 2);
 */
export async function decodePng(bytes: Uint8Array, reduction = 1): Promise<RgbImage> {
  const png = readPngStructure(bytes);
  await checkCompressedChunks(png);
  const { width, height, bitDepth } = png;
  const channels = CHANNELS[png.colorType]!;
  const bitsPerPixel = channels * bitDepth;
  const filterStep = Math.max(1, bitsPerPixel >> 3); // bytes back to the "left" pixel when unfiltering
  const passes: Pass[] = (png.interlaced ? ADAM7 : [[0, 0, 1, 1] as const]).map(([x0, y0, dx, dy]) => {
    const w = Math.max(0, Math.ceil((width - x0) / dx));
    const h = Math.max(0, Math.ceil((height - y0) / dy));
    return { x0, y0, dx, dy, width: w, height: h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) };
  });
  const expected = passes.reduce((n, p) => n + (p.width > 0 ? p.height * (p.rowBytes + 1) : 0), 0);

  const toRgb = rowConverter(png, channels);
  const sequential = png.interlaced ? null : new BoxReducer(width, height, reduction);
  const scatter = png.interlaced ? new ScatterReducer(width, height, reduction) : null;
  const maxRow = Math.max(...passes.map((p) => p.rowBytes));
  let prev = new Uint8Array(maxRow + 1);
  let cur = new Uint8Array(maxRow + 1);
  const rgb = new Uint8Array(width * 3);

  let passIndex = 0;
  let pass = passes[0]!;
  let row = 0;
  let filled = 0;
  let received = 0;
  const skipEmpty = () => {
    while (passIndex < passes.length && (pass.width === 0 || row >= pass.height)) {
      pass = passes[++passIndex]!;
      row = 0;
      prev.fill(0);
    }
  };
  skipEmpty();

  const onData = (data: Uint8Array) => {
    if (passIndex >= passes.length && data.length > 0) throw tooMuch(expected);
    let i = 0;
    while (i < data.length && passIndex < passes.length) {
      const need = pass.rowBytes + 1 - filled;
      const take = Math.min(need, data.length - i);
      cur.set(data.subarray(i, i + take), filled);
      filled += take;
      i += take;
      received += take;
      if (filled < pass.rowBytes + 1) break;
      unfilter(cur, prev, pass.rowBytes, filterStep);
      toRgb(cur, pass.width, rgb);
      const y = pass.y0 + row * pass.dy;
      if (sequential) sequential.addRow(y, rgb);
      else scatter!.addPixels(y, pass.x0, pass.dx, pass.width, rgb);
      [prev, cur] = [cur, prev];
      filled = 0;
      row++;
      if (row >= pass.height) skipEmpty();
    }
    if (i < data.length) throw tooMuch(expected);
  };

  let over = false;
  try {
    inflate(
      png.idat.map(([start, end]) => bytes.subarray(start, end)),
      (buffer, start, end) => {
        try {
          onData(buffer.subarray(start, end));
          return true;
        } catch (err) {
          if (err instanceof MarqueeError && /inflates to more/.test(err.message)) over = true;
          else throw err;
          return false;
        }
      },
    );
  } catch (err) {
    if (!(err instanceof InflateError)) throw err;
    // A stream that breaks after the last row (a missing checksum, junk) changes no pixel.
    if (received < expected) {
      throw new MarqueeError("corrupt_image", "PNG image data is corrupt (it does not inflate)", {
        cause: err,
      });
    }
  }
  if (over) throw tooMuch(expected);
  if (received < expected) {
    throw new MarqueeError(
      "corrupt_image",
      `PNG image data is too short: it inflates to ${received} of the ${expected} bytes its IHDR needs`,
    );
  }
  return sequential ? sequential.finish() : scatter!.finish();
}

function tooMuch(expected: number): MarqueeError {
  return new MarqueeError(
    "corrupt_image",
    `PNG image data inflates to more than the ${expected} bytes its IHDR promises (a decompression bomb)`,
  );
}

/** Undoes one row's filter in place; `row[0]` is the filter type, the samples follow. */
function unfilter(row: Uint8Array, prev: Uint8Array, length: number, step: number): void {
  const type = row[0]!;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = 1 + step; i <= length; i++) row[i] = (row[i]! + row[i - step]!) & 255;
      return;
    case 2:
      for (let i = 1; i <= length; i++) row[i] = (row[i]! + prev[i]!) & 255;
      return;
    case 3:
      for (let i = 1; i <= length; i++) {
        const left = i > step ? row[i - step]! : 0;
        row[i] = (row[i]! + ((left + prev[i]!) >> 1)) & 255;
      }
      return;
    case 4:
      for (let i = 1; i <= length; i++) {
        const a = i > step ? row[i - step]! : 0;
        const b = prev[i]!;
        const c = i > step ? prev[i - step]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        row[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return;
    default:
      throw new MarqueeError("corrupt_image", `PNG row has an invalid filter type ${type}`);
  }
}

/** White under alpha: round((c·a + 255·(255 − a)) / 255), as rgbaOverWhite does. */
function overWhite(c: number, a: number): number {
  return ((c * a + 255 * (255 - a)) * 257 + 32896) >>> 16;
}

/** A function converting one unfiltered row (samples from byte 1) of `n` pixels to 8-bit RGB. */
function rowConverter(
  png: PngStructure,
  channels: number,
): (row: Uint8Array, n: number, out: Uint8Array) => void {
  const depth = png.bitDepth;
  const trns = png.transparency;
  const sample = (row: Uint8Array, index: number): number => {
    if (depth === 8) return row[1 + index]!;
    if (depth === 16) return (row[1 + index * 2]! << 8) | row[2 + index * 2]!;
    const bit = index * depth;
    return (row[1 + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const to8 =
    depth === 8
      ? (v: number) => v
      : depth === 16
        ? (v: number) => ((v * 255 + 32767) / 65535) | 0
        : (v: number) => Math.round((v * 255) / ((1 << depth) - 1));

  if (png.colorType === 3) {
    const palette = png.palette!;
    const entries = palette.length / 3;
    return (row, n, out) => {
      for (let x = 0, o = 0; x < n; x++, o += 3) {
        const index = sample(row, x);
        if (index >= entries) {
          throw new MarqueeError(
            "corrupt_image",
            `PNG pixel uses palette index ${index}, beyond the palette`,
          );
        }
        const a = trns && index < trns.length ? trns[index]! : 255;
        out[o] = overWhite(palette[index * 3]!, a);
        out[o + 1] = overWhite(palette[index * 3 + 1]!, a);
        out[o + 2] = overWhite(palette[index * 3 + 2]!, a);
      }
    };
  }
  const colours = channels >= 3 ? 3 : 1;
  const hasAlpha = channels === 2 || channels === 4;
  // tRNS on grey or RGB names one colour (at the stored depth) that is fully transparent.
  const keyLength = colours === 3 ? 6 : 2;
  const key =
    !hasAlpha && trns && trns.length >= keyLength
      ? Array.from(
          { length: colours },
          (_, i) => ((trns[i * 2]! << 8) | trns[i * 2 + 1]!) & (depth === 16 ? 0xffff : (1 << depth) - 1),
        )
      : null;
  return (row, n, out) => {
    for (let x = 0, o = 0; x < n; x++, o += 3) {
      const s = x * channels;
      const r = sample(row, s);
      const g = colours === 3 ? sample(row, s + 1) : r;
      const b = colours === 3 ? sample(row, s + 2) : r;
      let a = 255;
      if (hasAlpha) a = to8(sample(row, s + colours));
      else if (key && r === key[0] && (colours === 1 || (g === key[1] && b === key[2]))) a = 0;
      if (a === 255) {
        out[o] = to8(r);
        out[o + 1] = to8(g);
        out[o + 2] = to8(b);
      } else {
        out[o] = overWhite(to8(r), a);
        out[o + 1] = overWhite(to8(g), a);
        out[o + 2] = overWhite(to8(b), a);
      }
    }
  };
}
