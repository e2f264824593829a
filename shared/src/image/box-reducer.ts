import type { RgbImage } from "./types.ts";

/**
 * The downscaling accumulator every streaming decoder writes into: RGB rows arrive in order and
 * each `factor`×`factor` cell of the source becomes one output pixel, the mean of the pixels it
 * covers (cells at the right and bottom edges may be partial and average what they have). Only one
 * output row of sums is held, so a decoder that produces rows never needs the full-size image.
 *
 * @example
 * const reducer = new BoxReducer(4000, 3000, 3);
 * for (let y = 0; y < 3000; y++) reducer.addRow(y, rowRgb); // rows in order
 * const small = reducer.finish(); // 1334×1000
 */
export class BoxReducer {
  readonly width: number;
  readonly height: number;
  private readonly out: Uint8Array;
  private readonly sums: Uint32Array | null;
  private band = 0;
  private nextRow = 0;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly factor: number,
  ) {
    this.width = Math.ceil(srcWidth / factor);
    this.height = Math.ceil(srcHeight / factor);
    this.out = new Uint8Array(this.width * this.height * 3);
    this.sums = factor === 1 ? null : new Uint32Array(this.width * 3);
  }

  /** Adds source row `y` (rows must come in order 0, 1, 2, …): `srcWidth` RGB pixels at `rgb[offset]`. */
  addRow(y: number, rgb: Uint8Array, offset = 0): void {
    if (y !== this.nextRow) throw new Error(`BoxReducer: row ${y} arrived, expected ${this.nextRow}`);
    this.nextRow++;
    const sums = this.sums;
    if (!sums) {
      this.out.set(rgb.subarray(offset, offset + this.srcWidth * 3), y * this.srcWidth * 3);
      return;
    }
    const f = this.factor;
    const band = (y / f) | 0;
    if (band !== this.band) this.flush();
    const w = this.srcWidth;
    let i = offset;
    for (let x0 = 0, o = 0; x0 < w; x0 += f, o += 3) {
      const end = Math.min(w, x0 + f);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let x = x0; x < end; x++, i += 3) {
        r += rgb[i]!;
        g += rgb[i + 1]!;
        b += rgb[i + 2]!;
      }
      sums[o]! += r;
      sums[o + 1]! += g;
      sums[o + 2]! += b;
    }
  }

  private flush(): void {
    const sums = this.sums!;
    const f = this.factor;
    const rows = Math.min(f, this.srcHeight - this.band * f);
    const base = this.band * this.width * 3;
    for (let ox = 0; ox < this.width; ox++) {
      const cols = Math.min(f, this.srcWidth - ox * f);
      const n = rows * cols;
      const o = ox * 3;
      this.out[base + o] = Math.round(sums[o]! / n);
      this.out[base + o + 1] = Math.round(sums[o + 1]! / n);
      this.out[base + o + 2] = Math.round(sums[o + 2]! / n);
    }
    sums.fill(0);
    this.band++;
  }

  /** The reduced image; call once, after the last row. */
  finish(): RgbImage {
    if (this.nextRow !== this.srcHeight) {
      throw new Error(`BoxReducer: ${this.nextRow} of ${this.srcHeight} rows arrived`);
    }
    if (this.sums && this.band < this.height) this.flush();
    return { width: this.width, height: this.height, data: this.out };
  }
}

/**
 * The same reduction for pixels that arrive in any order (interlaced PNG passes): sums are kept for
 * the whole output, 16-bit while a cell holds at most 256 pixels.
 */
export class ScatterReducer {
  readonly width: number;
  readonly height: number;
  private readonly out: Uint8Array;
  private readonly sums: Uint16Array | Uint32Array | null;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly factor: number,
  ) {
    this.width = Math.ceil(srcWidth / factor);
    this.height = Math.ceil(srcHeight / factor);
    this.out = new Uint8Array(this.width * this.height * 3);
    const n = this.width * this.height * 3;
    this.sums = factor === 1 ? null : factor <= 16 ? new Uint16Array(n) : new Uint32Array(n);
  }

  /** Adds `count` RGB pixels of row `y` at x = x0, x0 + dx, …, read from `rgb[offset]` on. */
  addPixels(y: number, x0: number, dx: number, count: number, rgb: Uint8Array, offset = 0): void {
    const f = this.factor;
    const target = this.sums ?? this.out;
    const rowBase = ((y / f) | 0) * this.width;
    for (let k = 0, x = x0, i = offset; k < count; k++, x += dx, i += 3) {
      const o = (rowBase + ((x / f) | 0)) * 3;
      target[o]! += rgb[i]!;
      target[o + 1]! += rgb[i + 1]!;
      target[o + 2]! += rgb[i + 2]!;
    }
  }

  /** The reduced image, after every pixel was added once. */
  finish(): RgbImage {
    const sums = this.sums;
    if (sums) {
      const f = this.factor;
      for (let oy = 0; oy < this.height; oy++) {
        const rows = Math.min(f, this.srcHeight - oy * f);
        for (let ox = 0; ox < this.width; ox++) {
          const n = rows * Math.min(f, this.srcWidth - ox * f);
          const o = (oy * this.width + ox) * 3;
          this.out[o] = Math.round(sums[o]! / n);
          this.out[o + 1] = Math.round(sums[o + 1]! / n);
          this.out[o + 2] = Math.round(sums[o + 2]! / n);
        }
      }
    }
    return { width: this.width, height: this.height, data: this.out };
  }
}
