import type { RgbImage } from "../image/types.ts";

/** A square region of an image in pixel coordinates; it may reach outside the image. */
export interface SquareRegion {
  left: number;
  top: number;
  size: number;
}

/** Pixels whose centre lies outside this rectangle read as black (0), like face-api's zero padding. */
export interface ClipRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

// Up to 4×4 sub-samples per output pixel: enough to avoid aliasing when a big face is shrunk to
// 112–150 px, while the detector input of a typical photo (scale ≤ 1.5) costs one sample.
const MAX_SUPERSAMPLE = 4;

interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

// Sub-sample positions along one axis, with half-pixel centres (tf resizeBilinear halfPixelCenters=true).
// A neighbour outside [lo, hi) gets weight 0, which blends the edge towards black.
function axisTaps(start: number, size: number, outSize: number, k: number, lo: number, hi: number): AxisTaps {
  const n = outSize * k;
  const taps: AxisTaps = {
    i0: new Int32Array(n),
    i1: new Int32Array(n),
    w0: new Float32Array(n),
    w1: new Float32Array(n),
  };
  const step = size / outSize;
  for (let j = 0; j < outSize; j++) {
    for (let a = 0; a < k; a++) {
      // Clamped to the region's edge pixels, as tf's resize clamps to the tensor's border.
      const src = Math.min(Math.max(start + (j + (a + 0.5) / k) * step - 0.5, start), start + size - 1);
      const f = Math.floor(src);
      const frac = src - f;
      const t = j * k + a;
      const inside0 = f >= lo && f < hi;
      const inside1 = f + 1 >= lo && f + 1 < hi;
      taps.i0[t] = inside0 ? f : 0;
      taps.i1[t] = inside1 ? f + 1 : 0;
      taps.w0[t] = inside0 ? 1 - frac : 0;
      taps.w1[t] = inside1 ? frac : 0;
    }
  }
  return taps;
}

/** A rectangle of an image in pixel coordinates; it may reach outside the image. */
export interface RectRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Samples a square region of `image` into an `outSize`×`outSize` HWC float32 buffer (values 0..255),
 * bilinear with half-pixel centres and box supersampling when shrinking. Pixels outside `clip`
 * (default: the image) are black. Writes at `outOffset` so several faces can share one batch buffer.
 */
export function sampleSquare(
  image: RgbImage,
  region: SquareRegion,
  outSize: number,
  out: Float32Array = new Float32Array(outSize * outSize * 3),
  outOffset = 0,
  clip?: ClipRect,
): Float32Array {
  return sampleRect(
    image,
    { left: region.left, top: region.top, width: region.size, height: region.size },
    outSize,
    outSize,
    out,
    outOffset,
    clip,
  );
}

/**
 * {@link sampleSquare} for a rectangle: `region` becomes `outWidth`×`outHeight` HWC floats (the
 * same scale on both axes is expected; supersampling follows the horizontal one).
 *
 * @example
 * const band = sampleRect(image, { left: 0, top: 0, width: image.width, height: 400 }, 864, 256);
 */
export function sampleRect(
  image: RgbImage,
  region: RectRegion,
  outWidth: number,
  outHeight: number,
  out: Float32Array = new Float32Array(outWidth * outHeight * 3),
  outOffset = 0,
  clip?: ClipRect,
): Float32Array {
  const c = clip ?? { left: 0, top: 0, right: image.width, bottom: image.height };
  const lo = { x: Math.max(0, Math.ceil(c.left)), y: Math.max(0, Math.ceil(c.top)) };
  const hi = { x: Math.min(image.width, Math.ceil(c.right)), y: Math.min(image.height, Math.ceil(c.bottom)) };
  // Plain bilinear up to ~1.5× shrink; beyond, one sub-sample per source pixel step.
  const k = Math.max(1, Math.min(MAX_SUPERSAMPLE, Math.round(region.width / outWidth)));
  const xs = axisTaps(region.left, region.width, outWidth, k, lo.x, hi.x);
  const ys = axisTaps(region.top, region.height, outHeight, k, lo.y, hi.y);
  const { data, width } = image;
  const norm = 1 / (k * k);
  const rowStride = width * 3;
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let ay = 0; ay < k; ay++) {
        const ty = oy * k + ay;
        const wy0 = ys.w0[ty] as number;
        const wy1 = ys.w1[ty] as number;
        if (wy0 === 0 && wy1 === 0) continue;
        const row0 = (ys.i0[ty] as number) * rowStride;
        const row1 = (ys.i1[ty] as number) * rowStride;
        for (let ax = 0; ax < k; ax++) {
          const tx = ox * k + ax;
          const wx0 = xs.w0[tx] as number;
          const wx1 = xs.w1[tx] as number;
          if (wx0 === 0 && wx1 === 0) continue;
          const c0 = (xs.i0[tx] as number) * 3;
          const c1 = (xs.i1[tx] as number) * 3;
          const w00 = wy0 * wx0;
          const w01 = wy0 * wx1;
          const w10 = wy1 * wx0;
          const w11 = wy1 * wx1;
          const p00 = row0 + c0;
          const p01 = row0 + c1;
          const p10 = row1 + c0;
          const p11 = row1 + c1;
          r +=
            w00 * (data[p00] as number) +
            w01 * (data[p01] as number) +
            w10 * (data[p10] as number) +
            w11 * (data[p11] as number);
          g +=
            w00 * (data[p00 + 1] as number) +
            w01 * (data[p01 + 1] as number) +
            w10 * (data[p10 + 1] as number) +
            w11 * (data[p11 + 1] as number);
          b +=
            w00 * (data[p00 + 2] as number) +
            w01 * (data[p01 + 2] as number) +
            w10 * (data[p10 + 2] as number) +
            w11 * (data[p11 + 2] as number);
        }
      }
      const o = outOffset + (oy * outWidth + ox) * 3;
      out[o] = r * norm;
      out[o + 1] = g * norm;
      out[o + 2] = b * norm;
    }
  }
  return out;
}

/**
 * Shrinks an image by an integer factor, averaging each factor×factor block. Used before detection
 * on very large photos so that no later step has to shrink by more than {@link MAX_SUPERSAMPLE}×.
 */
export function boxShrink(image: RgbImage, factor: number): RgbImage {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(width * height * 3);
  const acc = new Float32Array(width * 3);
  const src = image.data;
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let p = (y * factor + dy) * image.width * 3;
      for (let x = 0; x < width; x++) {
        const a = x * 3;
        for (let dx = 0; dx < factor; dx++) {
          acc[a] = (acc[a] as number) + (src[p] as number);
          acc[a + 1] = (acc[a + 1] as number) + (src[p + 1] as number);
          acc[a + 2] = (acc[a + 2] as number) + (src[p + 2] as number);
          p += 3;
        }
      }
    }
    const row = y * width * 3;
    for (let i = 0; i < width * 3; i++) data[row + i] = Math.round((acc[i] as number) / area);
  }
  return { width, height, data };
}
