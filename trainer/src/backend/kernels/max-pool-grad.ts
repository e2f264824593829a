// MaxPoolGrad on the wasm backend: replaces tfjs-backend-wasm 4.22's, which drops some gradients.
import { backend_util, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry } from "../conv-geometry.ts";
import { marked, type WasmBackendLike } from "../wasm-kernel-support.ts";

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
  g: ConvGeometry,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
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

/** Kernel config: {@link maxPoolGradFirstMax} for every MaxPoolGrad. */
export function maxPoolGradConfig(): KernelConfig {
  const kernelFunc = marked((args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: "valid" | "same" | number;
      dimRoundingMode?: "floor" | "round" | "ceil";
    };
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    return maxPoolGradFirstMax(args.backend as WasmBackendLike, dy, input, convGeometry(info));
  });
  return { kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc };
}
