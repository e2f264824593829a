import type { RgbImage } from "@marquee/shared";

/**
 * 64-bit perceptual hashes of decoded images, stored as 16 hex digits. Two photos that
 * differ only by re-encoding, a small resize or mild colour changes hash within a few
 * bits of each other; unrelated photos differ in about 32.
 *
 * Both use an area-averaged grayscale thumbnail: plain bilinear sampling down to 9×8
 * would read only a handful of source pixels and make the hash noisy.
 */

/** Bump when the hash arithmetic changes, so cached hashes are recomputed. */
export const PERCEPTUAL_HASH_VERSION = 1;

/**
 * Area-average `image` to a `w`×`h` grayscale thumbnail (BT.601 luma, 0..255).
 * Each output pixel is the mean of the source pixels its box covers, weighted by overlap.
 */
export function grayThumbnail(image: RgbImage, w: number, h: number): Float64Array {
  const { width: W, height: H, data } = image;
  const out = new Float64Array(w * h);
  const sx = W / w;
  const sy = H / h;
  for (let oy = 0; oy < h; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < w; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      let weight = 0;
      for (let y = Math.floor(y0); y < Math.min(H, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(W, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          const i = (y * W + x) * 3;
          const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
          sum += luma * wx * wy;
          weight += wx * wy;
        }
      }
      out[oy * w + ox] = weight > 0 ? sum / weight : 0;
    }
  }
  return out;
}

/**
 * Difference hash: on a 9×8 thumbnail, bit = "this pixel is darker than its right neighbour".
 *
 * @example
 * hammingDistance(differenceHash(a), differenceHash(b)) <= 10 // likely the same photo
 */
export function differenceHash(image: RgbImage): string {
  const g = grayThumbnail(image, 9, 8);
  const bits: number[] = [];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) bits.push(g[y * 9 + x]! < g[y * 9 + x + 1]! ? 1 : 0);
  }
  return bitsToHex(bits);
}

/**
 * DCT hash (pHash): the 8×8 lowest frequencies of a 32×32 thumbnail's DCT, each bit
 * "above the median". Sturdier than dHash against resizing and contrast changes.
 */
export function dctHash(image: RgbImage): string {
  const N = 32;
  const g = grayThumbnail(image, N, N);
  const cos = new Float64Array(8 * N);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < N; x++) cos[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  }
  // Separable DCT-II, only the 8 lowest frequencies in each direction.
  const rows = new Float64Array(N * 8);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += g[y * N + x]! * cos[u * N + x]!;
      rows[y * 8 + u] = s;
    }
  }
  const coeffs = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * 8 + u]! * cos[v * N + y]!;
      coeffs[v * 8 + u] = s;
    }
  }
  // The DC term only measures brightness; leave it out of the median.
  const median = [...coeffs.subarray(1)].sort((a, b) => a - b)[31]!;
  return bitsToHex(Array.from(coeffs, (c) => (c > median ? 1 : 0)));
}

function bitsToHex(bits: number[]): string {
  let hex = "";
  for (let i = 0; i < 64; i += 4)
    hex += ((bits[i]! << 3) | (bits[i + 1]! << 2) | (bits[i + 2]! << 1) | bits[i + 3]!).toString(16);
  return hex;
}

/** Split a 16-hex-digit hash into two 32-bit words for fast comparison. */
export function hashWords(hex: string): [number, number] {
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8, 16), 16) >>> 0];
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  const [a0, a1] = hashWords(a);
  const [b0, b1] = hashWords(b);
  return popcount32((a0 ^ b0) >>> 0) + popcount32((a1 ^ b1) >>> 0);
}

/** Set bits in a 32-bit integer. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
