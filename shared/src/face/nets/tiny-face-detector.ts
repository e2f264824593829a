// Ported from @vladmandic/face-api 1.7.15 (src/tinyFaceDetector, src/tinyYolov2), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
import * as tf from "@tensorflow/tfjs-core";
import {
  type ConvParams,
  convBias,
  convParams,
  type SeparableConvParams,
  separableBias,
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

const BANDS = 4;

/**
 * conv0 (3×3 'valid') + leaky + 2×2 max-pool, computed in horizontal bands and concatenated.
 * The full-size conv0 output (414×414×16 floats = 11 MB at input 416) is the detector's largest
 * activation; in bands only a quarter of it exists at a time, which keeps the wasm heap (which
 * never shrinks) smaller. Exact: pooled row r only needs input rows 2r..2r+3.
 */
function firstLayerInBands(x: tf.Tensor4D, conv0: ConvParams): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const convRows = height - 2;
  const pooledRows = Math.ceil(convRows / 2);
  const bands: tf.Tensor4D[] = [];
  const per = Math.ceil(pooledRows / BANDS);
  for (let p0 = 0; p0 < pooledRows; p0 += per) {
    const p1 = Math.min(pooledRows, p0 + per);
    const rowStart = 2 * p0;
    const rowEnd = Math.min(height, 2 * p1 + 2);
    bands.push(
      tf.tidy(() => {
        const band = tf.slice(x, [0, rowStart, 0, 0], [n, rowEnd - rowStart, width, channels]);
        return tf.maxPool(convBias(band, conv0, 1, "valid", "leakyrelu"), [2, 2], [2, 2], "same");
      }),
    );
  }
  const out = tf.concat(bands, 1);
  for (const b of bands) b.dispose();
  return out;
}

/**
 * Runs the detector on an NHWC batch of square images (0..255, side divisible by 32) and returns
 * the raw grid `[n, cells, cells, anchors × 5]`: per anchor x, y, w, h, objectness logits.
 */
export function tinyFaceDetectorForward(x: tf.Tensor4D, p: TinyFaceDetectorParams): tf.Tensor4D {
  let out: tf.Tensor4D = step(x, (t) => tf.div(subtractMeanRgb(t, MEAN_RGB), 255) as tf.Tensor4D, true);
  out = step(out, (t) => firstLayerInBands(t, p.conv0));
  p.separable.forEach((layer, i) => {
    // face-api pads by 1 and convolves 'valid': the same as 'same' for a 3×3 stride-1 kernel.
    const input = i === 0 ? (t: tf.Tensor4D) => t : (t: tf.Tensor4D) => tf.maxPool(t, [2, 2], [2, 2], "same");
    out = step(out, (t) => separableBias(input(t), layer, 1, "leakyrelu"));
    if (i === 4) out = step(out, (t) => tf.maxPool(t, [2, 2], [1, 1], "same"));
  });
  return step(
    out,
    (t) => tf.add(tf.conv2d(t, p.conv8.filters, [1, 1], "valid"), p.conv8.bias) as tf.Tensor4D,
  );
}
