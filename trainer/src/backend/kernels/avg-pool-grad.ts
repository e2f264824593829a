// AvgPoolGrad on the wasm backend: non-overlapping VALID windows (Keras AveragePooling2D) in one JS pass.
import { getKernel, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { marked, type WasmBackendLike } from "../wasm-kernel-support.ts";

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

/** Kernel config: {@link avgPoolGradTiled} where it applies, the stock kernel otherwise. */
export function avgPoolGradConfig(): KernelConfig {
  const stock = getKernel("AvgPoolGrad", "wasm");
  const kernelFunc = marked((args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad } = args.attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: unknown;
    };
    const [fh, fw] = typeof filterSize === "number" ? [filterSize, filterSize] : filterSize;
    const [sh, sw] = typeof strides === "number" ? [strides, strides] : strides;
    if (pad === "valid" && fh === sh && fw === sw && input.shape.length === 4 && dy.dtype === "float32") {
      return avgPoolGradTiled(
        args.backend as WasmBackendLike,
        dy,
        input.shape as [number, number, number, number],
        fh,
        fw,
      );
    }
    if (!stock) throw new Error("tfjs-backend-wasm's AvgPoolGrad kernel is not registered");
    return stock.kernelFunc(args as never) as TensorInfo;
  });
  return { ...(stock ?? { kernelName: "AvgPoolGrad", backendName: "wasm" }), kernelFunc };
}
