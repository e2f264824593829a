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

/** What a streaming decoder writes rows into: {@link BoxReducer} or {@link AreaReducer}. */
export interface RowReducer {
  readonly width: number;
  readonly height: number;
  addRow(y: number, rgb: Uint8Array, offset?: number): void;
  finish(): RgbImage;
}

/**
 * {@link BoxReducer} for a size that is not a whole fraction of the source (e.g. 2000 → 1334 after
 * a 1/2 DCT, for an overall reduction of 3 without an 8×8 IDCT): each output pixel is the
 * area-weighted mean of the source pixels its cell of (srcWidth / width) × (srcHeight / height)
 * covers. Holds two source-width rows of sums (the output row being built and the next).
 *
 * @example
 * const reducer = new AreaReducer(2000, 1500, 1334, 1000);
 * for (let y = 0; y < 1500; y++) reducer.addRow(y, rowRgb);
 * reducer.finish(); // 1334×1000
 */
export class AreaReducer implements RowReducer {
  private readonly out: Uint8Array;
  private readonly rx: number;
  private readonly ry: number;
  // Per output column, `taps` (source byte offset, weight) pairs: the source columns its cell
  // covers, padded with weight-0 taps so every column has the same count.
  private readonly taps: number;
  private readonly tapOffset: Int32Array;
  private readonly tapWeight: Float64Array;
  // Vertical first: source rows are summed per source column (weighted where a row straddles two
  // output rows), and the horizontal gather runs once per output row instead of once per source row.
  private current: Float64Array;
  private next: Float64Array;
  private currentWeight = 0;
  private nextWeight = 0;
  private outRow = 0;
  private nextSrcRow = 0;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly width: number,
    readonly height: number,
  ) {
    if (width < 1 || height < 1 || width > srcWidth || height > srcHeight) {
      throw new Error(`AreaReducer: cannot reduce ${srcWidth}×${srcHeight} to ${width}×${height}`);
    }
    this.rx = srcWidth / width;
    this.ry = srcHeight / height;
    this.out = new Uint8Array(width * height * 3);
    // Each source column starts in output column ox with weight w there; the rest, 1 − w, is the next's.
    const lists: { x: number; w: number }[][] = Array.from({ length: width }, () => []);
    for (let x = 0; x < srcWidth; x++) {
      const ox = Math.min(width - 1, Math.floor(x / this.rx));
      const w = Math.fround(Math.min(1, (ox + 1) * this.rx - x));
      lists[ox]!.push({ x, w });
      if (w < 1 && ox + 1 < width) lists[ox + 1]!.push({ x, w: 1 - w });
    }
    // At least 3 so the common fractional factors (< 2) take the unrolled path in flush().
    this.taps = lists.reduce((most, list) => Math.max(most, list.length), 3);
    this.tapOffset = new Int32Array(width * this.taps);
    this.tapWeight = new Float64Array(width * this.taps);
    lists.forEach((list, ox) => {
      for (let k = 0; k < this.taps; k++) {
        const tap = list[Math.min(k, list.length - 1)]!;
        this.tapOffset[ox * this.taps + k] = tap.x * 3;
        this.tapWeight[ox * this.taps + k] = k < list.length ? tap.w : 0;
      }
    });
    this.current = new Float64Array(srcWidth * 3);
    this.next = new Float64Array(srcWidth * 3);
  }

  /** Adds source row `y` (rows in order 0, 1, 2, …): `srcWidth` RGB pixels at `rgb[offset]`. */
  addRow(y: number, rgb: Uint8Array, offset = 0): void {
    if (y !== this.nextSrcRow) throw new Error(`AreaReducer: row ${y} arrived, expected ${this.nextSrcRow}`);
    this.nextSrcRow++;
    const oy = Math.min(this.height - 1, Math.floor(y / this.ry));
    while (this.outRow < oy) this.flush();
    const w0 = Math.min(1, (oy + 1) * this.ry - y);
    const w1 = 1 - w0;
    const n = this.srcWidth * 3;
    const current = this.current;
    if (w0 === 1) {
      for (let i = 0; i < n; i++) current[i]! += rgb[offset + i]!;
    } else {
      // The row straddles two output rows: it also feeds the next one's sums.
      const next = this.next;
      for (let i = 0; i < n; i++) {
        const v = rgb[offset + i]!;
        current[i]! += w0 * v;
        next[i]! += w1 * v;
      }
    }
    this.currentWeight += w0;
    this.nextWeight += w1;
  }

  private flush(): void {
    const base = this.outRow * this.width * 3;
    // Every output cell covers rx source columns (the weights were split exactly) and the rows added.
    const norm = 1 / (this.rx * (this.currentWeight || 1));
    const { current, tapOffset, tapWeight, taps, out } = this;
    for (let ox = 0, t = 0, o = base; ox < this.width; ox++, t += taps, o += 3) {
      let r: number;
      let g: number;
      let b: number;
      if (taps === 3) {
        const i0 = tapOffset[t]!;
        const i1 = tapOffset[t + 1]!;
        const i2 = tapOffset[t + 2]!;
        const k0 = tapWeight[t]!;
        const k1 = tapWeight[t + 1]!;
        const k2 = tapWeight[t + 2]!;
        r = k0 * current[i0]! + k1 * current[i1]! + k2 * current[i2]!;
        g = k0 * current[i0 + 1]! + k1 * current[i1 + 1]! + k2 * current[i2 + 1]!;
        b = k0 * current[i0 + 2]! + k1 * current[i1 + 2]! + k2 * current[i2 + 2]!;
      } else {
        r = g = b = 0;
        for (let k = t; k < t + taps; k++) {
          const i = tapOffset[k]!;
          const wk = tapWeight[k]!;
          r += wk * current[i]!;
          g += wk * current[i + 1]!;
          b += wk * current[i + 2]!;
        }
      }
      // The byte store truncates, so + 0.5 rounds these non-negative means; Math.round here was
      // about half of this loop's time.
      out[o] = r * norm + 0.5;
      out[o + 1] = g * norm + 0.5;
      out[o + 2] = b * norm + 0.5;
    }
    [this.current, this.next] = [this.next, this.current];
    this.next.fill(0);
    this.currentWeight = this.nextWeight;
    this.nextWeight = 0;
    this.outRow++;
  }

  /** The reduced image; call once, after the last row. */
  finish(): RgbImage {
    if (this.nextSrcRow !== this.srcHeight) {
      throw new Error(`AreaReducer: ${this.nextSrcRow} of ${this.srcHeight} rows arrived`);
    }
    while (this.outRow < this.height) this.flush();
    return { width: this.width, height: this.height, data: this.out };
  }
}
