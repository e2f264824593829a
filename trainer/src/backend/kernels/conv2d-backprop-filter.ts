// Conv2DBackpropFilter on the wasm backend: absent from tfjs-backend-wasm 4.22 (tfjs issue 8474).
import { backend_util, type KernelConfig, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs";
import { type ConvGeometry, convGeometry } from "../conv-geometry.ts";
import {
  callWasmKernel,
  type KernelArgs,
  marked,
  type WasmBackendLike,
  type WasmHeapAccess,
} from "../wasm-kernel-support.ts";

// Upper bound on the im2col scratch buffer (floats). 4M floats = 16 MiB keeps the wasm heap,
// which never shrinks, small while leaving each GEMM big enough to run at full speed.
const IM2COL_MAX_FLOATS = 4 * 1024 * 1024;

/**
 * dW computed as one forward convolution on the wasm backend's XNNPACK Conv2D kernel, which
 * builds an indirection buffer instead of copying patches:
 *   dW[fh,fw,ci,co] = Σ_{n,oh,ow} xᵀ[ci, oh·sh+fh·dh−pt, ow·sw+fw·dw−pl, n] · dyᵀ[oh, ow, n, co]
 * is a convolution of x as [Ci, H, W, N] (Ci images, N channels) with dy as an [OH, OW, N, Co]
 * filter, whose dilation is the original stride and whose stride is the original dilation. The
 * [Ci, FH, FW, Co] result is permuted to [FH, FW, Ci, Co].
 */
export function conv2dBackpropFilterViaConv(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = g;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
  const xT = callWasmKernel(backend, "Transpose", { x }, { perm: [3, 1, 2, 0] });
  const dyT = callWasmKernel(backend, "Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
  // Pad so the output is at least FH×FW; when the original conv ignored trailing input rows
  // (VALID with stride > 1) the bottom pad is negative, so pad 0 and drop the extra outputs.
  const padBottom = Math.max(0, (FH - 1) * dh + (OH - 1) * sh + 1 - H - padTop);
  const padRight = Math.max(0, (FW - 1) * dw + (OW - 1) * sw + 1 - W - padLeft);
  const pad = [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ];
  const o = callWasmKernel(backend, "Conv2D", { x: xT, filter: dyT }, {
    strides: [dh, dw],
    pad,
    dilations: [sh, sw],
    dataFormat: "NHWC",
    dimRoundingMode: null,
  } as unknown as NamedAttrMap);
  backend.disposeData(xT.dataId);
  backend.disposeData(dyT.dataId);
  const [, FHo, FWo] = o.shape as [number, number, number, number];
  const out = backend.makeOutput([FH, FW, C, CO], "float32");
  const src = backend.typedArrayFromHeap(o) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let c = 0; c < C; c++) {
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        const from = ((c * FHo + fh) * FWo + fw) * CO;
        dst.set(src.subarray(from, from + CO), ((fh * FW + fw) * C + c) * CO);
      }
    }
  }
  backend.disposeData(o.dataId);
  return out;
}

/**
 * Fills `colT` ([K = FH·FW·Ci, rows = images·OH·OW], row-major): the transposed patch matrix of
 * images [n0, n0 + count). Writes are sequential; reads step through x by the channel count.
 */
function im2colTransposed(
  x: Float32Array,
  g: ConvGeometry,
  n0: number,
  count: number,
  colT: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = g;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
  const rows = count * OH * OW;
  // Output columns whose input column is inside the image: ow in [owLo, owHi).
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      const iw0 = fw * dw - padLeft;
      const owLo = Math.min(OW, Math.max(0, Math.ceil(-iw0 / sw)));
      const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - iw0) / sw) + 1));
      for (let c = 0; c < C; c++) {
        let dst = ((fh * FW + fw) * C + c) * rows;
        for (let n = n0; n < n0 + count; n++) {
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh + fh * dh - padTop;
            if (ih < 0 || ih >= H) {
              colT.fill(0, dst, dst + OW);
              dst += OW;
              continue;
            }
            if (owLo > 0) colT.fill(0, dst, dst + owLo);
            let src = ((n * H + ih) * W + owLo * sw + iw0) * C + c;
            const step = sw * C;
            for (let ow = owLo; ow < owHi; ow++) {
              colT[dst + ow] = x[src] as number;
              src += step;
            }
            if (owHi < OW) colT.fill(0, dst + owHi, dst + OW);
            dst += OW;
          }
        }
      }
    }
  }
}

/**
 * dW = im2col(x)ᵀ · dy with the patch matrix built already transposed, so the GEMM is
 * [K, rows]·[rows, Co] with no transpose flag and XNNPACK packs only dy (the smaller operand).
 */
export function conv2dBackpropFilterIm2colT(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const CO = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  const perChunk = Math.max(1, Math.min(g.batchSize, Math.floor(IM2COL_MAX_FLOATS / (pixels * K))));
  let total: TensorInfo | null = null;
  for (let n0 = 0; n0 < g.batchSize; n0 += perChunk) {
    const count = Math.min(perChunk, g.batchSize - n0);
    const rows = count * pixels;
    const colT = backend.makeOutput([1, K, rows], "float32");
    im2colTransposed(
      backend.typedArrayFromHeap(x) as Float32Array,
      g,
      n0,
      count,
      backend.typedArrayFromHeap(colT) as Float32Array,
    );
    const dyChunk = backend.makeOutput([1, rows, CO], "float32");
    (backend.typedArrayFromHeap(dyChunk) as Float32Array).set(
      (backend.typedArrayFromHeap(dy) as Float32Array).subarray(n0 * pixels * CO, (n0 + count) * pixels * CO),
    );
    const part = callWasmKernel(
      backend,
      "BatchMatMul",
      { a: colT, b: dyChunk },
      { transposeA: false, transposeB: false },
    );
    backend.disposeData(colT.dataId);
    backend.disposeData(dyChunk.dataId);
    if (total === null) {
      total = part;
    } else {
      const sum = callWasmKernel(backend, "Add", { a: total, b: part }, {});
      backend.disposeData(total.dataId);
      backend.disposeData(part.dataId);
      total = sum;
    }
  }
  const filterShape = [g.filterHeight, g.filterWidth, g.inChannels, CO];
  if (total === null) {
    const zero = backend.makeOutput(filterShape, "float32");
    (backend.typedArrayFromHeap(zero) as Float32Array).fill(0);
    return zero;
  }
  return { ...total, shape: filterShape };
}

/**
 * The padded operands of the stride-1 filter gradients: x as padded NCHW planes, xT [N, Ci, Hp·Wp]
 * (plus a zero tail as long as the largest tap offset), and dy zero-extended to dyP [N, Hp·Wp, Co]
 * on the same grid, with their heap offsets and a way to release heap views made over them.
 */
function paddedGrid(
  backend: WasmBackendLike & WasmHeapAccess,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
) {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
    outChannels: CO,
  } = g;
  const { filterHeight: FH, filterWidth: FW, dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
  const Hp = Math.max(H + padTop, OH + (FH - 1) * dh);
  const Wp = Math.max(W + padLeft, OW + (FW - 1) * dw);
  const P = Hp * Wp;
  const maxShift = (FH - 1) * dh * Wp + (FW - 1) * dw;

  // x → NCHW on the wasm Transpose kernel, then padded rows in JS.
  const xCm = callWasmKernel(backend, "Transpose", { x }, { perm: [0, 3, 1, 2] });
  const xT = backend.makeOutput([N * C * P + maxShift], "float32");
  {
    const src = backend.typedArrayFromHeap(xCm) as Float32Array;
    const dst = backend.typedArrayFromHeap(xT) as Float32Array;
    if (P === H * W) {
      dst.set(src);
      dst.fill(0, N * C * P);
    } else {
      dst.fill(0);
      for (let nc = 0; nc < N * C; nc++) {
        for (let h = 0; h < H; h++) {
          const from = (nc * H + h) * W;
          dst.set(src.subarray(from, from + W), nc * P + (h + padTop) * Wp + padLeft);
        }
      }
    }
  }
  backend.disposeData(xCm.dataId);

  const dyP = backend.makeOutput([N * P * CO], "float32");
  {
    const src = backend.typedArrayFromHeap(dy) as Float32Array;
    const dst = backend.typedArrayFromHeap(dyP) as Float32Array;
    if (Hp === OH && Wp === OW) {
      dst.set(src);
    } else {
      dst.fill(0);
      for (let n = 0; n < N; n++) {
        for (let h = 0; h < OH; h++) {
          const from = (n * OH + h) * OW * CO;
          dst.set(src.subarray(from, from + OW * CO), (n * Hp + h) * Wp * CO);
        }
      }
    }
  }

  const xBase = backend.dataIdMap.get(xT.dataId)?.memoryOffset;
  const dyBase = backend.dataIdMap.get(dyP.dataId)?.memoryOffset;
  if (xBase === undefined || dyBase === undefined)
    throw new Error("filter-gradient scratch is not on the wasm heap");
  return {
    xT,
    P,
    Wp,
    xBase,
    dyBase,
    /** Views borrow scratch memory: unregister them without freeing. */
    release(view: TensorInfo): void {
      const data = backend.dataIdMap.get(view.dataId);
      if (data) backend.wasm.tfjs.disposeData(data.id);
      backend.dataIdMap.delete(view.dataId);
    },
    dispose(): void {
      backend.disposeData(dyP.dataId);
      backend.disposeData(xT.dataId);
    },
  };
}

/**
 * Stride-1 filter gradient with no patch matrix: per image, one GEMM per filter tap reading x in place.
 *
 * x is copied to padded NCHW, xT [N, Ci, Hp·Wp], and dy zero-extended to dyP [N, Hp·Wp, Co] on
 * the same grid. For tap (fh, fw) the inputs x[n, h+fh·dh, w+fw·dw, c] are xT[n, c, p + off] with
 * off = fh·dh·Wp + fw·dw, so dW[fh,fw] += A·dyP[n] where A is the [Ci, Hp·Wp] block of image n
 * shifted by off floats — a heap view, no copy. Reads that run past the end of a row land on grid
 * points where dyP is zero (Hp ≥ OH + (FH−1)·dh, Wp ≥ OW + (FW−1)·dw), so they add nothing.
 * Working per image keeps each GEMM's dy block in cache; one [Ci, N·Hp·Wp] GEMM per tap would
 * stream dy from memory once per row block and runs ~1.6× slower.
 */
export function conv2dBackpropFilterTaps(
  backend: WasmBackendLike & WasmHeapAccess,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  if (g.strideHeight !== 1 || g.strideWidth !== 1) return conv2dBackpropFilterIm2colT(backend, x, dy, g);
  const { batchSize: N, inChannels: C, outChannels: CO } = g;
  const { filterHeight: FH, filterWidth: FW, dilationHeight: dh, dilationWidth: dw } = g;
  const grid = paddedGrid(backend, x, dy, g);
  const { P, Wp, xBase, dyBase } = grid;
  const acc = new Float64Array(FH * FW * C * CO);
  for (let n = 0; n < N; n++) {
    const dyView = backend.makeOutput([1, P, CO], "float32", dyBase + n * P * CO * 4);
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        const off = fh * dh * Wp + fw * dw;
        const xView = backend.makeOutput([1, C, P], "float32", xBase + (n * C * P + off) * 4);
        const tap = callWasmKernel(
          backend,
          "BatchMatMul",
          { a: xView, b: dyView },
          { transposeA: false, transposeB: false },
        );
        grid.release(xView);
        const t = backend.typedArrayFromHeap(tap) as Float32Array;
        const at = (fh * FW + fw) * C * CO;
        for (let i = 0; i < t.length; i++) acc[at + i] = (acc[at + i] as number) + (t[i] as number);
        backend.disposeData(tap.dataId);
      }
    }
    grid.release(dyView);
  }
  grid.dispose();
  const out = backend.makeOutput([FH, FW, C, CO], "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
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
 * Tried and dropped (issue 15): all taps stacked into one [FH·FW·Ci, images·Hp·Wp] GEMM per chunk
 * of images, thread CPU ms 147/214/206/116 against taps' 117/147/137/88: XNNPACK already packs dy
 * once per image in "taps" (its operator is cached by the dy view), and the stacked copy costs more
 * than the bigger GEMM saves (`trainer/bench/filter-gradient-probe.ts`).
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
  const backend = args.backend as WasmBackendLike & WasmHeapAccess;
  const g = convGeometry(info);
  if (method === "taps") return conv2dBackpropFilterTaps(backend, x, dy, g);
  return (method === "conv" ? conv2dBackpropFilterViaConv : conv2dBackpropFilterIm2colT)(backend, x, dy, g);
}

/** Kernel config: the gradient of every conv's weights, on XNNPACK GEMMs (see {@link setFilterGradientMethod}). */
export function conv2dBackpropFilterConfig(): KernelConfig {
  return {
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: marked(conv2dBackpropFilterKernel),
  };
}
