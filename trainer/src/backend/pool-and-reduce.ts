import type { TensorInfo } from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./conv2d-backprop-filter.ts";

/**
 * AvgPool gradient for non-overlapping windows (filter = stride, VALID padding — what Keras'
 * AveragePooling2D(2) uses): each dx pixel gets dy/(FH·FW) of its window; rows and columns the
 * forward pass dropped (odd sizes) get 0. One pass in JS over the wasm heap; the stock wasm kernel
 * is a generic scalar loop several times slower.
 */
export function avgPoolGradTiled(
  backend: WasmBackendLike,
  dy: TensorInfo,
  inputShape: [number, number, number, number],
  filterHeight: number,
  filterWidth: number,
): TensorInfo {
  const [N, H, W, C] = inputShape;
  const [, OH, OW] = dy.shape as [number, number, number, number];
  const out = backend.makeOutput(inputShape, "float32");
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const scale = 1 / (filterHeight * filterWidth);
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const gRow = (n * OH + oh) * OW * C;
      for (let a = 0; a < filterHeight; a++) {
        const h = oh * filterHeight + a;
        const dxRow = (n * H + h) * W * C;
        for (let ow = 0; ow < OW; ow++) {
          const gPix = gRow + ow * C;
          for (let b = 0; b < filterWidth; b++) {
            const d = dxRow + (ow * filterWidth + b) * C;
            for (let c = 0; c < C; c++) dx[d + c] = (g[gPix + c] as number) * scale;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Sum over every axis but the last (the bias gradient of conv and dense layers), accumulated in
 * float64 per channel. The stock wasm Sum first transposes the whole tensor to put the reduced
 * axes innermost.
 */
export function sumLeadingAxes(backend: WasmBackendLike, x: TensorInfo, outShape: number[]): TensorInfo {
  const C = x.shape[x.shape.length - 1] as number;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const rows = src.length / C;
  const acc = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    for (let c = 0; c < C; c++) acc[c] = (acc[c] as number) + (src[o + c] as number);
  }
  const out = backend.makeOutput(outShape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/** Window geometry of a 2-D pooling op, NHWC (from tfjs' computePool2DInfo). */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * MaxPool gradient: each window's dy goes to the first position holding the window's maximum
 * (the cpu backend's rule). Replaces tfjs-backend-wasm 4.22's MaxPoolGrad, which starts its
 * running maximum at 0 instead of −∞ and so drops the gradient of every window whose inputs are
 * all negative (found by this package's gradient tests).
 */
export function maxPoolGradFirstMax(
  backend: WasmBackendLike,
  dy: TensorInfo,
  input: TensorInfo,
  g: PoolGeometry,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW } = g;
  const out = backend.makeOutput(input.shape, "float32");
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const gy = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * g.strideHeight - g.padTop;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * g.strideWidth - g.padLeft;
        const gyPix = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let a = 0; a < g.filterHeight; a++) {
            const h = h0 + a * g.dilationHeight;
            if (h < 0 || h >= H) continue;
            for (let b = 0; b < g.filterWidth; b++) {
              const w = w0 + b * g.dilationWidth;
              if (w < 0 || w >= W) continue;
              const i = ((n * H + h) * W + w) * C + c;
              const v = x[i] as number;
              if (v > best || at < 0) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (gy[gyPix + c] as number);
        }
      }
    }
  }
  return out;
}
