// Ported from @vladmandic/face-api 1.7.15 (src/common, src/ops), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
import * as tf from "@tensorflow/tfjs-core";
import { weight } from "../weights.ts";

/** A convolution's filters and bias. */
export interface ConvParams {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** A depthwise-separable convolution's filters and bias. */
export interface SeparableConvParams {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** Reads `${prefix}/filters` and `${prefix}/bias`. */
export function convParams(map: tf.NamedTensorMap, prefix: string): ConvParams {
  return { filters: weight(map, `${prefix}/filters`, 4), bias: weight(map, `${prefix}/bias`, 1) };
}

/** Reads `${prefix}/depthwise_filter`, `${prefix}/pointwise_filter` and `${prefix}/bias`. */
export function separableConvParams(map: tf.NamedTensorMap, prefix: string): SeparableConvParams {
  return {
    depthwise: weight(map, `${prefix}/depthwise_filter`, 4),
    pointwise: weight(map, `${prefix}/pointwise_filter`, 4),
    bias: weight(map, `${prefix}/bias`, 1),
  };
}

/** Subtracts a per-channel mean from an NHWC batch. */
export function subtractMeanRgb(x: tf.Tensor4D, meanRgb: readonly [number, number, number]): tf.Tensor4D {
  return tf.sub(x, tf.tensor1d(meanRgb as unknown as number[]));
}

/** Disposes every tensor of a weight map. */
export function disposeWeightMap(map: tf.NamedTensorMap): void {
  for (const t of Object.values(map)) t.dispose();
}

/**
 * Applies `fn` in its own tidy scope and disposes `x` afterwards unless `keep` says otherwise.
 * Chaining layers this way keeps only one or two activations alive at a time, which matters in
 * workerd: the wasm heap grows to the peak and never shrinks, and the isolate has 128 MB.
 */
export function step<T extends tf.Tensor>(x: tf.Tensor, fn: (x: tf.Tensor4D) => T, keep = false): T {
  const out = tf.tidy(() => fn(x as tf.Tensor4D));
  if (!keep) x.dispose();
  return out;
}

/** conv2d + bias + activation as one fused op (one pass over the output instead of three). */
export function convBias(
  x: tf.Tensor4D,
  p: ConvParams,
  strides: number | [number, number],
  pad: "same" | "valid",
  activation: "linear" | "relu" | "relu6" | "leakyrelu" = "linear",
): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: p.filters,
    strides,
    pad,
    bias: p.bias,
    activation,
    ...(activation === "leakyrelu" ? { leakyreluAlpha: LEAKY_ALPHA } : {}),
  });
}

/** face-api's `leaky`: relu(x − 0.1x) + 0.1x, i.e. a leaky ReLU with slope 0.1. */
export const LEAKY_ALPHA = 0.10000000149011612;

/** Depthwise then pointwise convolution, bias and activation (the last three fused). */
export function separableBias(
  x: tf.Tensor4D,
  p: SeparableConvParams,
  strides: number | [number, number],
  activation: "linear" | "relu" | "relu6" | "leakyrelu" = "linear",
): tf.Tensor4D {
  const depthwise = tf.depthwiseConv2d(x, p.depthwise, strides, "same");
  return convBias(depthwise, { filters: p.pointwise, bias: p.bias }, 1, "same", activation);
}

/** Every tensor reachable from a params object. */
export function collectTensors(value: unknown, into: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  if (value instanceof tf.Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) collectTensors(v, into);
  return into;
}
