// Ported from @vladmandic/face-api 1.7.15 (src/tinyFaceDetector, src/tinyYolov2), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
import * as tf from "@tensorflow/tfjs-core";
import {
  type ConvParams,
  convParams,
  type SeparableConvParams,
  separableConvParams,
  step,
  subtractMeanRgb,
} from "./layers.ts";

const MEAN_RGB = [117.001, 114.697, 97.404] as const;

/** Anchor box sizes in grid cells, from face-api's tinyFaceDetector/const.ts. */
export const TINY_FACE_ANCHORS: readonly { x: number; y: number }[] = [
  { x: 1.603231, y: 2.094468 },
  { x: 6.041143, y: 7.080126 },
  { x: 2.882459, y: 3.518061 },
  { x: 4.266906, y: 5.178857 },
  { x: 9.041765, y: 10.66308 },
];

/** The Tiny Face Detector's parameters (a Tiny-YOLOv2 with separable convolutions, 1 class). */
export interface TinyFaceDetectorParams {
  conv0: ConvParams;
  separable: SeparableConvParams[];
  conv8: ConvParams;
}

/** Picks the Tiny Face Detector's tensors out of its weight map. */
export function tinyFaceDetectorParams(map: tf.NamedTensorMap): TinyFaceDetectorParams {
  return {
    conv0: convParams(map, "conv0"),
    separable: [1, 2, 3, 4, 5].map((i) => separableConvParams(map, `conv${i}`)),
    conv8: convParams(map, "conv8"),
  };
}

function leaky(x: tf.Tensor4D): tf.Tensor4D {
  const min = tf.mul(x, tf.scalar(0.10000000149011612));
  return tf.add(tf.relu(tf.sub(x, min)), min);
}

function separable(x: tf.Tensor4D, p: SeparableConvParams): tf.Tensor4D {
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  return leaky(tf.add(tf.separableConv2d(padded, p.depthwise, p.pointwise, [1, 1], "valid"), p.bias));
}

/**
 * Runs the detector on an NHWC batch of square images (0..255, side divisible by 32) and returns
 * the raw grid `[n, cells, cells, anchors × 5]`: per anchor x, y, w, h, objectness logits.
 */
export function tinyFaceDetectorForward(x: tf.Tensor4D, p: TinyFaceDetectorParams): tf.Tensor4D {
  let out: tf.Tensor4D = step(x, (t) => tf.div(subtractMeanRgb(t, MEAN_RGB), 255) as tf.Tensor4D, true);
  out = step(out, (t) => leaky(tf.add(tf.conv2d(t, p.conv0.filters, [1, 1], "valid"), p.conv0.bias)));
  p.separable.forEach((layer, i) => {
    out = step(out, (t) => separable(tf.maxPool(t, [2, 2], [2, 2], "same"), layer));
    if (i === 4) out = step(out, (t) => tf.maxPool(t, [2, 2], [1, 1], "same"));
  });
  return step(
    out,
    (t) => tf.add(tf.conv2d(t, p.conv8.filters, [1, 1], "valid"), p.conv8.bias) as tf.Tensor4D,
  );
}
