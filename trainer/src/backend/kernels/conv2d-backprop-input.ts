// Conv2DBackpropInput on the wasm backend: replaces tfjs-backend-wasm 4.22's scalar loop (≈10× slower
// than the forward conv) with a forward XNNPACK convolution.
import {
  backend_util,
  getKernel,
  type KernelConfig,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry } from "../conv-geometry.ts";
import { callWasmKernel, marked, type WasmBackendLike } from "../wasm-kernel-support.ts";

/**
 * dx = the "full" convolution of dy with the filter rotated 180° and its in/out channels swapped,
 * run on the wasm backend's forward Conv2D kernel (XNNPACK, SIMD) instead of tfjs-backend-wasm
 * 4.22's scalar Conv2DBackpropInput (≈10× slower). For stride > 1, dy is first spread out with
 * stride−1 zeros between pixels. Returns [N, H, W, Ci].
 */
export function conv2dBackpropInputViaConv(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
    outChannels: CO,
  } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padTop, padLeft } = g;
  const flipped = backend.makeOutput([FH, FW, CO, C], "float32");
  {
    const src = backend.typedArrayFromHeap(filter) as Float32Array;
    const dst = backend.typedArrayFromHeap(flipped) as Float32Array;
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        const s = ((FH - 1 - fh) * FW + (FW - 1 - fw)) * C * CO;
        const d = (fh * FW + fw) * CO * C;
        for (let c = 0; c < C; c++)
          for (let co = 0; co < CO; co++) dst[d + co * C + c] = src[s + c * CO + co] as number;
      }
    }
  }
  // Input of the full convolution: dy spread by the stride, padded so that a valid FH×FW
  // convolution yields exactly H×W. Padding never goes negative for tfjs' SAME/VALID rules.
  const top = FH - 1 - padTop;
  const left = FW - 1 - padLeft;
  const spreadH = (OH - 1) * sh + 1;
  const spreadW = (OW - 1) * sw + 1;
  const bottom = H + FH - 1 - spreadH - top;
  const right = W + FW - 1 - spreadW - left;
  let result: TensorInfo;
  if (sh === 1 && sw === 1 && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
    const pad = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    result = callWasmKernel(backend, "Conv2D", { x: dy, filter: flipped }, {
      strides: [1, 1],
      pad,
      dilations: [1, 1],
      dataFormat: "NHWC",
      dimRoundingMode: null,
    } as unknown as NamedAttrMap);
  } else {
    const Hs = H + FH - 1;
    const Ws = W + FW - 1;
    const spread = backend.makeOutput([N, Hs, Ws, CO], "float32");
    const dst = backend.typedArrayFromHeap(spread) as Float32Array;
    const src = backend.typedArrayFromHeap(dy) as Float32Array;
    dst.fill(0);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const h = oh * sh + top;
        if (h < 0 || h >= Hs) continue;
        for (let ow = 0; ow < OW; ow++) {
          const w = ow * sw + left;
          if (w < 0 || w >= Ws) continue;
          const from = ((n * OH + oh) * OW + ow) * CO;
          dst.set(src.subarray(from, from + CO), ((n * Hs + h) * Ws + w) * CO);
        }
      }
    }
    result = callWasmKernel(backend, "Conv2D", { x: spread, filter: flipped }, {
      strides: [1, 1],
      pad: "valid",
      dilations: [1, 1],
      dataFormat: "NHWC",
      dimRoundingMode: null,
    } as unknown as NamedAttrMap);
    backend.disposeData(spread.dataId);
  }
  backend.disposeData(flipped.dataId);
  return result;
}

/**
 * Kernel config wrapping the stock kernel (`stock`, looked up at registration): NHWC goes to
 * {@link conv2dBackpropInputViaConv}, anything else to the stock kernel, whose setupFunc is kept so
 * its C function stays bound.
 */
export function conv2dBackpropInputConfig(): KernelConfig {
  const stock = getKernel("Conv2DBackpropInput", "wasm");
  const kernelFunc = marked((args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as {
      strides: [number, number] | number;
      pad: "valid" | "same" | number | backend_util.ExplicitPadding;
      dataFormat: "NHWC" | "NCHW";
      dimRoundingMode?: "floor" | "round" | "ceil";
      inputShape: [number, number, number, number];
    };
    if (backend_util.convertConv2DDataFormat(dataFormat) !== "channelsLast" && stock) {
      return stock.kernelFunc(args as never) as TensorInfo;
    }
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    return conv2dBackpropInputViaConv(args.backend as WasmBackendLike, dy, filter, convGeometry(info));
  });
  return { ...(stock ?? { kernelName: "Conv2DBackpropInput", backendName: "wasm" }), kernelFunc };
}
