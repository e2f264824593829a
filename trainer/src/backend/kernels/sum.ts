// Sum on the wasm backend: reductions over all axes but the last (bias gradients) in one JS pass.
import { getKernel, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { marked, type WasmBackendLike } from "../wasm-kernel-support.ts";

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
  if (C % 4 === 0) {
    // Four channels at a time in local variables: the same additions in the same (row) order as the
    // loop below, so the same sums, in half the time (no Float64Array load/store per element).
    const n = rows * C;
    for (let c = 0; c < C; c += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = c; i < n; i += C) {
        a0 += src[i] as number;
        a1 += src[i + 1] as number;
        a2 += src[i + 2] as number;
        a3 += src[i + 3] as number;
      }
      acc[c] = a0;
      acc[c + 1] = a1;
      acc[c + 2] = a2;
      acc[c + 3] = a3;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) acc[c] = (acc[c] as number) + (src[o + c] as number);
    }
  }
  const out = backend.makeOutput(outShape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/** Kernel config wrapping the stock Sum: leading-axes float32 sums go to {@link sumLeadingAxes}. */
export function sumConfig(): KernelConfig {
  const stock = getKernel("Sum", "wasm");
  if (!stock) throw new Error("tfjs-backend-wasm's Sum kernel is not registered");
  const stockFunc = stock.kernelFunc;
  const kernelFunc = marked((args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = (Array.isArray(axis) ? axis : [axis])
      .map((a) => (a < 0 ? a + rank : a))
      .sort((p, q) => p - q);
    const leading =
      rank >= 2 && x.dtype === "float32" && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!leading) return stockFunc(args as never) as TensorInfo;
    const C = x.shape[rank - 1] as number;
    const outShape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C];
    return sumLeadingAxes(args.backend as WasmBackendLike, x, outShape);
  });
  return { ...stock, kernelFunc };
}
