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
