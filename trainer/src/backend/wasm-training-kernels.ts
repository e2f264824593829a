import "@tensorflow/tfjs-backend-wasm";
import {
  backend_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs";
import {
  conv2dBackpropFilterIm2colT,
  conv2dBackpropFilterTaps,
  conv2dBackpropFilterViaConv,
  convGeometry,
  type WasmBackendLike,
} from "./conv2d-backprop-filter.ts";
import { backpropInputGeometry, conv2dBackpropInputViaConv } from "./conv2d-backprop-input.ts";
import { avgPoolGradTiled, maxPoolGradFirstMax, sumLeadingAxes } from "./pool-and-reduce.ts";

// Marks our kernel functions so re-registration is detected even across module instances.
const MARK = Symbol.for("marquee.wasmTrainingKernel");

type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap };

function marked(fn: (args: KernelArgs) => TensorInfo): KernelFunc {
  Object.defineProperty(fn, MARK, { value: true });
  return fn as unknown as KernelFunc;
}

function isOurs(name: string): boolean {
  const k = getKernel(name, "wasm");
  return k !== undefined && (k.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, "wasm")) unregisterKernel(config.kernelName, "wasm");
  registerKernel(config);
}

/** How the wasm Conv2DBackpropFilter computes dW; see {@link setFilterGradientMethod}. */
export type FilterGradientMethod = "auto" | "taps" | "im2col" | "conv";

let filterGradientMethod: FilterGradientMethod = "auto";

/**
 * Chooses the wasm filter-gradient algorithm (for benchmarking): "taps" runs, per image, one
 * XNNPACK GEMM per filter tap on shifted views of x (stride 1; other strides use im2col);
 * "im2col" builds the transposed patch matrix in JS and runs one GEMM per batch chunk; "conv"
 * runs the whole gradient as one XNNPACK convolution of x with dy as the filter. "auto" (the
 * default) is "taps", the fastest on every seed-CNN layer (CPU ms at batch 32, layers 1–4:
 * taps 126/177/109/87, im2col 171/203/145/89, conv 177/242/180/115, forward conv 82/100/82/62).
 */
export function setFilterGradientMethod(method: FilterGradientMethod): void {
  filterGradientMethod = method;
}

/** Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22, tfjs issue 8474), on XNNPACK GEMMs. */
function conv2dBackpropFilterKernel(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  if (backend_util.convertConv2DDataFormat(dataFormat) !== "channelsLast") {
    throw new Error("wasm Conv2DBackpropFilter supports only NHWC (channelsLast)");
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const method = filterGradientMethod === "auto" ? "taps" : filterGradientMethod;
  const backend = args.backend as Parameters<typeof conv2dBackpropFilterTaps>[0];
  const g = convGeometry(info);
  if (method === "taps") return conv2dBackpropFilterTaps(backend, x, dy, g);
  return (method === "conv" ? conv2dBackpropFilterViaConv : conv2dBackpropFilterIm2colT)(backend, x, dy, g);
}

/**
 * Registers on the wasm backend the kernels that training the seed CNN and VGG-16 needs and
 * tfjs-backend-wasm 4.22 lacks or runs slowly:
 * - Conv2DBackpropFilter: missing (the gradient of every conv's weights).
 * - Conv2DBackpropInput: replaced; the stock one is a scalar loop ≈10× slower than the forward conv.
 * - BatchMatMul: wrapped; with transposeA/B set the stock kernel leaves XNNPACK for a scalar loop
 *   (≈7× slower), which is exactly what Dense layers' gradients ask for. The wrapper transposes
 *   explicitly and runs the fast path.
 * - AvgPoolGrad: non-overlapping VALID windows (Keras AveragePooling2D) done in one JS pass.
 * - MaxPoolGrad: replaced; the stock one drops the gradient of windows whose inputs are all < 0.
 * - Sum: reductions over all axes but the last (bias gradients) done in one JS pass.
 * Idempotent. Call after importing "@tensorflow/tfjs-backend-wasm" (this module does) and before
 * or after `tf.setBackend("wasm")`.
 *
 * @example
 * registerWasmTrainingKernels(); await tf.setBackend("wasm"); model.fit(...)
 */
export function registerWasmTrainingKernels(): void {
  if (!isOurs("Conv2DBackpropFilter")) {
    replaceKernel({
      kernelName: "Conv2DBackpropFilter",
      backendName: "wasm",
      kernelFunc: marked(conv2dBackpropFilterKernel),
    });
  }

  if (!isOurs("Conv2DBackpropInput")) {
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
      return conv2dBackpropInputViaConv(
        args.backend as WasmBackendLike,
        dy,
        filter,
        backpropInputGeometry(info),
      );
    });
    // Keep the stock setupFunc so the NCHW fallback has its C function bound.
    replaceKernel({ ...(stock ?? { kernelName: "Conv2DBackpropInput", backendName: "wasm" }), kernelFunc });
  }

  if (!isOurs("BatchMatMul")) {
    const stock = getKernel("BatchMatMul", "wasm");
    if (!stock) throw new Error("tfjs-backend-wasm's BatchMatMul kernel is not registered");
    const transposeKernel = getKernel("Transpose", "wasm");
    if (!transposeKernel) throw new Error("tfjs-backend-wasm's Transpose kernel is not registered");
    const stockFunc = stock.kernelFunc;
    const kernelFunc = marked((args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
      };
      if (!transposeA && !transposeB) return stockFunc(args as never) as TensorInfo;
      const backend = args.backend as WasmBackendLike;
      const swapLast = (t: TensorInfo): TensorInfo => {
        const perm = t.shape.map((_, i) => i);
        const r = perm.length;
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return transposeKernel.kernelFunc({
          inputs: { x: t },
          backend: backend as never,
          attrs: { perm },
        }) as TensorInfo;
      };
      const size = (t: TensorInfo) => t.shape.reduce((p, q) => p * q, 1);
      const rank = Math.max(a.shape.length, b.shape.length);
      const outRows = a.shape[a.shape.length - (transposeA ? 1 : 2)] as number;
      const outCols = b.shape[b.shape.length - (transposeB ? 2 : 1)] as number;
      const batch = Math.max(
        size(a) / (a.shape.at(-1)! * a.shape.at(-2)!),
        size(b) / (b.shape.at(-1)! * b.shape.at(-2)!),
      );
      // Two ways to reach op(a)·op(b) with no transposed operand: transpose the flagged inputs, or
      // compute (op(b)ᵀ·op(a)ᵀ)ᵀ, which transposes the unflagged inputs and the output. Pick the
      // one that moves fewer floats (for Dense dx = dy·Wᵀ the second avoids transposing W).
      const directCost = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
      const swappedCost = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + batch * outRows * outCols;
      const run = (x: TensorInfo, y: TensorInfo) =>
        stockFunc({
          inputs: { a: x, b: y },
          backend: args.backend,
          attrs: { transposeA: false, transposeB: false },
        } as never) as TensorInfo;
      if (directCost <= swappedCost || a.shape.length !== b.shape.length || rank > 3) {
        const a2 = transposeA ? swapLast(a) : a;
        const b2 = transposeB ? swapLast(b) : b;
        const out = run(a2, b2);
        if (a2 !== a) backend.disposeData(a2.dataId);
        if (b2 !== b) backend.disposeData(b2.dataId);
        return out;
      }
      const a2 = transposeA ? a : swapLast(a);
      const b2 = transposeB ? b : swapLast(b);
      const outT = run(b2, a2);
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
      const out = swapLast(outT);
      backend.disposeData(outT.dataId);
      return out;
    });
    // Keep the stock setupFunc: it binds the C function our wrapper ends up calling.
    replaceKernel({ ...stock, kernelFunc });
  }

  if (!isOurs("AvgPoolGrad")) {
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
    replaceKernel({ ...(stock ?? { kernelName: "AvgPoolGrad", backendName: "wasm" }), kernelFunc });
  }

  if (!isOurs("Sum")) {
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
    replaceKernel({ ...stock, kernelFunc });
  }

  if (!isOurs("MaxPoolGrad")) {
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
      return maxPoolGradFirstMax(args.backend as WasmBackendLike, dy, input, {
        batchSize: info.batchSize,
        inHeight: info.inHeight,
        inWidth: info.inWidth,
        channels: info.inChannels,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        strideHeight: info.strideHeight,
        strideWidth: info.strideWidth,
        dilationHeight: info.dilationHeight,
        dilationWidth: info.dilationWidth,
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
      });
    });
    replaceKernel({ kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc });
  }
}
