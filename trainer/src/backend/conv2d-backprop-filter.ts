import type * as tf from "@tensorflow/tfjs";
import { type backend_util, getKernel, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs";

/** The parts of tfjs-backend-wasm's BackendWasm that the gradient kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): backend_util.TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Geometry of one 2-D convolution, NHWC, as the filter-gradient kernels need it. */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Reads the geometry out of tfjs' own conv-info helper, so padding rules match the forward op exactly. */
export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

// Upper bound on the im2col scratch buffer (floats). 4M floats = 16 MiB keeps the wasm heap,
// which never shrinks, small while leaving each GEMM big enough to run at full speed.
const IM2COL_MAX_FLOATS = 4 * 1024 * 1024;

/**
 * Fills `col` ([rows = images·OH·OW, K = FH·FW·Ci], row-major) with the input patches of images
 * [n0, n0 + count). Out-of-bounds taps (padding) are zero.
 */
function im2colRows(x: Float32Array, g: ConvGeometry, n0: number, count: number, col: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = g;
  const { dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
  const K = FH * FW * C;
  // Short channel runs are faster copied by hand than through subarray()+set().
  const copyByHand = C < 16;
  let dst = 0;
  for (let n = n0; n < n0 + count; n++) {
    const xImage = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh * dh - padTop;
          if (ih < 0 || ih >= H) {
            col.fill(0, dst, dst + FW * C);
            dst += FW * C;
            continue;
          }
          const xRow = xImage + ih * W * C;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw * dw - padLeft;
            if (iw < 0 || iw >= W) {
              col.fill(0, dst, dst + C);
            } else if (copyByHand) {
              const src = xRow + iw * C;
              for (let c = 0; c < C; c++) col[dst + c] = x[src + c] as number;
            } else {
              const src = xRow + iw * C;
              col.set(x.subarray(src, src + C), dst);
            }
            dst += C;
          }
        }
      }
    }
  }
  void K;
}

/** Calls a registered wasm kernel directly (as the wasm backend's own kernels call each other). */
function callWasmKernel(
  backend: WasmBackendLike,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = getKernel(name, "wasm");
  if (!kernel) throw new Error(`wasm backend kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

/**
 * dW[fh,fw,ci,co] = Σ_{n,oh,ow} x[n, oh·sh+fh·dh−pt, ow·sw+fw·dw−pl, ci] · dy[n,oh,ow,co].
 *
 * Computed as dWᵀ = dyᵀ · im2col(x) in batch chunks (bounded scratch memory), each GEMM run by the
 * wasm backend's own BatchMatMul (XNNPACK, SIMD). Neither GEMM operand is flagged transposed:
 * tfjs-backend-wasm 4.22 falls back to a scalar loop (≈7× slower) whenever transposeA/B is set,
 * so dy is transposed explicitly (it is smaller than the patches). Returns [FH, FW, Ci, Co].
 */
export function conv2dBackpropFilterIm2col(
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
    const col = backend.makeOutput([1, rows, K], "float32");
    im2colRows(
      backend.typedArrayFromHeap(x) as Float32Array,
      g,
      n0,
      count,
      backend.typedArrayFromHeap(col) as Float32Array,
    );
    // Images are contiguous in dy, so the chunk is a plain copy; the transpose goes through the
    // wasm Transpose kernel.
    const dyChunk = backend.makeOutput([rows, CO], "float32");
    (backend.typedArrayFromHeap(dyChunk) as Float32Array).set(
      (backend.typedArrayFromHeap(dy) as Float32Array).subarray(n0 * pixels * CO, (n0 + count) * pixels * CO),
    );
    const dyT = callWasmKernel(backend, "Transpose", { x: dyChunk }, { perm: [1, 0] });
    backend.disposeData(dyChunk.dataId);
    const dyT3 = { ...dyT, shape: [1, CO, rows] };
    // Read after every allocation: makeOutput may grow the heap and detach earlier views.
    const part = callWasmKernel(
      backend,
      "BatchMatMul",
      { a: dyT3, b: col },
      { transposeA: false, transposeB: false },
    );
    backend.disposeData(col.dataId);
    backend.disposeData(dyT.dataId);
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
  // [1, Co, K] → [K, Co] = [FH, FW, Ci, Co].
  const dW = callWasmKernel(backend, "Transpose", { x: { ...total, shape: [CO, K] } }, { perm: [1, 0] });
  backend.disposeData(total.dataId);
  return { ...dW, shape: filterShape };
}

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

/** Plain-JS reference/baseline: the same sum as {@link conv2dBackpropFilterIm2col}, no GEMM. */
export function conv2dBackpropFilterLoop(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = g;
  const out = backend.makeOutput([FH, FW, C, CO], "float32");
  const dW = backend.typedArrayFromHeap(out) as Float32Array;
  dW.fill(0);
  const xd = backend.typedArrayFromHeap(x) as Float32Array;
  const dyd = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyOff = ((n * OH + oh) * OW + ow) * CO;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh * g.dilationHeight - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw * g.dilationWidth - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * C;
            const wOff = (fh * FW + fw) * C * CO;
            for (let ci = 0; ci < C; ci++) {
              const xv = xd[xOff + ci] as number;
              if (xv === 0) continue;
              const wRow = wOff + ci * CO;
              for (let co = 0; co < CO; co++)
                dW[wRow + co] = (dW[wRow + co] as number) + xv * (dyd[dyOff + co] as number);
            }
          }
        }
      }
    }
  }
  return out;
}
