// Ported from @vladmandic/face-api 1.7.15 (src/faceRecognitionNet), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
// The network is dlib's ResNet-34 face descriptor (dlib_face_recognition_resnet_model_v1).
import * as tf from "@tensorflow/tfjs-core";
import { weight } from "../weights.ts";
import { type ConvParams, convBias, step, subtractMeanRgb } from "./layers.ts";

const MEAN_RGB = [122.782, 117.001, 104.298] as const;

/** Input side of the recognition net. */
export const RECOGNITION_INPUT_SIZE = 150;

// The scale layer after each conv is folded into its filters and bias at load time.
type ConvLayerParams = ConvParams;

interface ResidualParams {
  conv1: ConvLayerParams;
  conv2: ConvLayerParams;
  down: boolean;
}

/** Parameters of the 128-d face descriptor net. */
export interface FaceRecognitionParams {
  convDown: ConvLayerParams;
  residuals: ResidualParams[];
  fc: tf.Tensor2D;
}

const RESIDUALS: readonly [string, boolean][] = [
  ["conv32_1", false],
  ["conv32_2", false],
  ["conv32_3", false],
  ["conv64_down", true],
  ["conv64_1", false],
  ["conv64_2", false],
  ["conv64_3", false],
  ["conv128_down", true],
  ["conv128_1", false],
  ["conv128_2", false],
  ["conv256_down", true],
  ["conv256_1", false],
  ["conv256_2", false],
  ["conv256_down_out", true],
];

// (conv(x, f) + b) · s + t  ==  conv(x, f · s) + (b · s + t), s and t per output channel.
function convLayerParams(map: tf.NamedTensorMap, prefix: string): ConvLayerParams {
  const filters = weight<tf.Rank.R4>(map, `${prefix}/conv/filters`, 4);
  const bias = weight<tf.Rank.R1>(map, `${prefix}/conv/bias`, 1);
  const scale = weight<tf.Rank.R1>(map, `${prefix}/scale/weights`, 1);
  const shift = weight<tf.Rank.R1>(map, `${prefix}/scale/biases`, 1);
  const folded = tf.tidy(() => ({
    filters: tf.mul(filters, scale) as tf.Tensor4D,
    bias: tf.add(tf.mul(bias, scale), shift) as tf.Tensor1D,
  }));
  // Free the originals at once: wasm memory never shrinks, so holding both copies of the
  // 22 MB of descriptor weights until the end of loading would leave the heap 22 MB bigger.
  for (const t of [filters, bias, scale, shift]) t.dispose();
  return folded;
}

/** Picks the recognition net's tensors out of its weight map. */
export function faceRecognitionParams(map: tf.NamedTensorMap): FaceRecognitionParams {
  return {
    convDown: convLayerParams(map, "conv32_down"),
    residuals: RESIDUALS.map(([name, down]) => ({
      conv1: convLayerParams(map, `${name}/conv1`),
      conv2: convLayerParams(map, `${name}/conv2`),
      down,
    })),
    fc: weight(map, "fc", 2),
  };
}

function conv(
  x: tf.Tensor4D,
  p: ConvLayerParams,
  stride: 1 | 2,
  relu: boolean,
  padding: "same" | "valid" = "same",
): tf.Tensor4D {
  return convBias(x, p, stride, padding, relu ? "relu" : "linear");
}

function residual(x: tf.Tensor4D, p: ResidualParams): tf.Tensor4D {
  if (!p.down) {
    const out = conv(conv(x, p.conv1, 1, true), p.conv2, 1, false);
    return tf.relu(tf.add(out, x)) as tf.Tensor4D;
  }
  let out = conv(conv(x, p.conv1, 2, true, "valid"), p.conv2, 1, false);
  let pooled = tf.avgPool(x, 2, 2, "valid") as tf.Tensor4D;
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    // A 3×3 'valid' stride-2 conv yields one row/column fewer than the 2×2 pool: pad with zeros.
    out = tf.pad(out, [
      [0, 0],
      [0, (pooled.shape[1] as number) - (out.shape[1] as number)],
      [0, (pooled.shape[2] as number) - (out.shape[2] as number)],
      [0, 0],
    ]);
  }
  if (pooled.shape[3] !== out.shape[3]) {
    // Channel count doubles: the shortcut gets zero channels appended.
    pooled = tf.pad(pooled, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, (out.shape[3] as number) - (pooled.shape[3] as number)],
    ]);
  }
  return tf.relu(tf.add(pooled, out)) as tf.Tensor4D;
}

/** Runs the descriptor net on an NHWC batch of 150×150 aligned faces (0..255). Returns `[n, 128]`. */
export function faceRecognitionForward(x: tf.Tensor4D, p: FaceRecognitionParams): tf.Tensor2D {
  let out: tf.Tensor4D = step(x, (t) => tf.div(subtractMeanRgb(t, MEAN_RGB), 255) as tf.Tensor4D, true);
  out = step(out, (t) => tf.maxPool(conv(t, p.convDown, 2, true, "valid"), 3, 2, "valid"));
  for (const r of p.residuals) out = step(out, (t) => residual(t, r));
  return step(out, (t) => tf.matMul(tf.mean(t, [1, 2]) as tf.Tensor2D, p.fc));
}
