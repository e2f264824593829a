import type { backend_util } from "@tensorflow/tfjs";

/**
 * Geometry of one 2-D convolution or pooling window, NHWC, as the wasm training kernels use it.
 * Pooling has no output-channel count of its own: `outChannels` equals `inChannels` there.
 */
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

/**
 * Reads the geometry out of tfjs' own conv-info helpers (`computeConv2DInfo`, and `computePool2DInfo`,
 * which returns the same type), so padding and rounding rules match the forward op exactly.
 *
 * @example
 * const g = convGeometry(backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad));
 */
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
