// Ported from @vladmandic/face-api 1.7.15 (src/faceLandmarkNet, src/faceFeatureExtractor,
// src/faceProcessor), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
import * as tf from "@tensorflow/tfjs-core";
import { weight } from "../weights.ts";
import {
  type ConvParams,
  convBias,
  convParams,
  type SeparableConvParams,
  separableBias,
  separableConvParams,
  subtractMeanRgb,
} from "./layers.ts";

const MEAN_RGB = [122.782, 117.001, 104.298] as const;

/** Input side of the landmark nets. */
export const LANDMARK_INPUT_SIZE = 112;

interface DenseBlockParams {
  conv0: ConvParams | SeparableConvParams;
  rest: SeparableConvParams[];
}

/** Parameters of the 68-point landmark net, full (4 dense blocks of 4) or tiny (3 of 3). */
export interface FaceLandmark68Params {
  blocks: DenseBlockParams[];
  fc: { weights: tf.Tensor2D; bias: tf.Tensor1D };
  poolSize: number;
}

/** Picks the landmark net's tensors out of its weight map; `tiny` selects face_landmark_68_tiny. */
export function faceLandmark68Params(map: tf.NamedTensorMap, tiny: boolean): FaceLandmark68Params {
  const blockCount = tiny ? 3 : 4;
  const blocks: DenseBlockParams[] = [];
  for (let b = 0; b < blockCount; b++) {
    const prefix = `dense${b}`;
    const rest = [];
    for (let c = 1; c < blockCount; c++) rest.push(separableConvParams(map, `${prefix}/conv${c}`));
    blocks.push({
      conv0: b === 0 ? convParams(map, `${prefix}/conv0`) : separableConvParams(map, `${prefix}/conv0`),
      rest,
    });
  }
  return {
    blocks,
    fc: { weights: weight(map, "fc/weights", 2), bias: weight(map, "fc/bias", 1) },
    poolSize: tiny ? 14 : 7,
  };
}

// A dense block: every conv sees the sum of all earlier outputs of the block.
function denseBlock(x: tf.Tensor4D, p: DenseBlockParams): tf.Tensor4D {
  const first =
    "filters" in p.conv0 ? convBias(x, p.conv0, 2, "same", "relu") : separableBias(x, p.conv0, 2, "relu");
  const outs: tf.Tensor4D[] = [first];
  let sum: tf.Tensor4D = outs[0] as tf.Tensor4D;
  for (const conv of p.rest) {
    const input = outs.length === 1 ? sum : (tf.relu(sum) as tf.Tensor4D);
    const out = separableBias(input, conv, 1);
    outs.push(out);
    sum = tf.add(sum, out);
  }
  return tf.relu(sum) as tf.Tensor4D;
}

/**
 * Runs the landmark net on an NHWC batch of 112×112 face crops (0..255). Returns `[n, 136]`:
 * interleaved x, y of 68 points relative to the crop (0..1).
 */
export function faceLandmark68Forward(x: tf.Tensor4D, p: FaceLandmark68Params): tf.Tensor2D {
  return tf.tidy(() => {
    let out = tf.div(subtractMeanRgb(x, MEAN_RGB), 255) as tf.Tensor4D;
    for (const block of p.blocks) out = denseBlock(out, block);
    out = tf.avgPool(out, [p.poolSize, p.poolSize], [2, 2], "valid");
    const flat = tf.reshape(out, [out.shape[0], -1]) as tf.Tensor2D;
    return tf.add(tf.matMul(flat, p.fc.weights), p.fc.bias) as tf.Tensor2D;
  });
}
