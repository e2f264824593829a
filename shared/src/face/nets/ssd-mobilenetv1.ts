// Ported from @vladmandic/face-api 1.7.15 (src/ssdMobilenetv1), MIT License.
// Copyright (c) Vladimir Mandic; based on face-api.js, Copyright (c) 2018 Vincent Mühler.
import * as tf from "@tensorflow/tfjs-core";
import { weight } from "../weights.ts";
import { type ConvParams, convBias, step } from "./layers.ts";

const BN_EPSILON = 0.0010000000474974513;

interface PointwiseParams {
  filters: tf.Tensor4D;
  offset: tf.Tensor1D;
}

// Batch norm folded into the filters and a bias at load time.
interface DepthwiseParams {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
}

interface BoxPredictorParams {
  box: ConvParams;
  cls: ConvParams;
}

/** SSD MobileNetV1 face detector parameters. */
export interface SsdMobilenetv1Params {
  conv0: PointwiseParams;
  pairs: { depthwise: DepthwiseParams; pointwise: PointwiseParams }[];
  prediction: PointwiseParams[];
  boxPredictors: BoxPredictorParams[];
  /** Anchor boxes `[1, 5118, 4]` as (ymin, xmin, ymax, xmax). */
  anchors: tf.Tensor3D;
}

function pointwise(map: tf.NamedTensorMap, prefix: string, idx: number): PointwiseParams {
  return {
    filters: weight(map, `${prefix}/Conv2d_${idx}_pointwise/weights`, 4),
    offset: weight(map, `${prefix}/Conv2d_${idx}_pointwise/convolution_bn_offset`, 1),
  };
}

// y = (conv(x, f) − mean) · gamma / √(var + ε) + beta  ==  conv(x, f · k) + (beta − mean · k).
function foldBatchNorm(
  filters: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
): DepthwiseParams {
  const folded = tf.tidy(() => {
    const k = tf.div(gamma, tf.sqrt(tf.add(variance, BN_EPSILON)));
    const channels = k.shape[0];
    return {
      filters: tf.mul(filters, tf.reshape(k, [1, 1, channels, 1])) as tf.Tensor4D,
      bias: tf.sub(beta, tf.mul(mean, k)) as tf.Tensor1D,
    };
  });
  // Free the originals at once so the wasm heap never holds both copies.
  for (const t of [filters, gamma, beta, mean, variance]) t.dispose();
  return folded;
}

/** Picks the SSD's tensors out of its weight map (batch norms folded into new tensors). */
export function ssdMobilenetv1Params(map: tf.NamedTensorMap): SsdMobilenetv1Params {
  const pairs = [];
  for (let i = 1; i <= 13; i++) {
    const d = `MobilenetV1/Conv2d_${i}_depthwise`;
    pairs.push({
      depthwise: foldBatchNorm(
        weight<tf.Rank.R4>(map, `${d}/depthwise_weights`, 4),
        weight<tf.Rank.R1>(map, `${d}/BatchNorm/gamma`, 1),
        weight<tf.Rank.R1>(map, `${d}/BatchNorm/beta`, 1),
        weight<tf.Rank.R1>(map, `${d}/BatchNorm/moving_mean`, 1),
        weight<tf.Rank.R1>(map, `${d}/BatchNorm/moving_variance`, 1),
      ),
      pointwise: pointwise(map, "MobilenetV1", i),
    });
  }
  const boxPredictors = [0, 1, 2, 3, 4, 5].map((i) => {
    const p = `Prediction/BoxPredictor_${i}`;
    return {
      box: {
        filters: weight<tf.Rank.R4>(map, `${p}/BoxEncodingPredictor/weights`, 4),
        bias: weight<tf.Rank.R1>(map, `${p}/BoxEncodingPredictor/biases`, 1),
      },
      cls: {
        filters: weight<tf.Rank.R4>(map, `${p}/ClassPredictor/weights`, 4),
        bias: weight<tf.Rank.R1>(map, `${p}/ClassPredictor/biases`, 1),
      },
    };
  });
  return {
    conv0: pointwise(map, "MobilenetV1", 0),
    pairs,
    prediction: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => pointwise(map, "Prediction", i)),
    boxPredictors,
    anchors: weight(map, "Output/extra_dim", 3),
  };
}

function pointwiseLayer(x: tf.Tensor4D, p: PointwiseParams, strides: [number, number]): tf.Tensor4D {
  return convBias(x, { filters: p.filters, bias: p.offset }, strides, "same", "relu6");
}

function depthwiseLayer(x: tf.Tensor4D, p: DepthwiseParams, strides: [number, number]): tf.Tensor4D {
  return tf.fused.depthwiseConv2d({
    x,
    filter: p.filters,
    strides,
    pad: "same",
    bias: p.bias,
    activation: "relu6",
  });
}

function boxPrediction(x: tf.Tensor4D, p: BoxPredictorParams): { box: tf.Tensor; cls: tf.Tensor } {
  const n = x.shape[0];
  return {
    box: tf.reshape(convBias(x, p.box, 1, "same"), [n, -1, 4]),
    cls: tf.reshape(convBias(x, p.cls, 1, "same"), [n, -1, 3]),
  };
}

/**
 * Runs the SSD on an NHWC batch of 512×512 images (0..255). Returns per-anchor face scores
 * `[n, 5118]` and decoded boxes `[n, 5118, 4]` as relative (ymin, xmin, ymax, xmax).
 */
export function ssdMobilenetv1Forward(
  x: tf.Tensor4D,
  p: SsdMobilenetv1Params,
): { boxes: tf.Tensor3D; scores: tf.Tensor2D } {
  const n = x.shape[0];
  let out: tf.Tensor4D = step(x, (t) => tf.sub(tf.div(t, 127.5), 1) as tf.Tensor4D, true);
  out = step(out, (t) => pointwiseLayer(t, p.conv0, [2, 2]));
  let conv11: tf.Tensor4D | undefined;
  p.pairs.forEach((pair, i) => {
    const layer = i + 1;
    const stride: [number, number] = [2, 4, 6, 12].includes(layer) ? [2, 2] : [1, 1];
    // conv11's output feeds the first box predictor, so it survives the next step.
    out = step(
      out,
      (t) => pointwiseLayer(depthwiseLayer(t, pair.depthwise, stride), pair.pointwise, [1, 1]),
      layer === 12,
    );
    if (layer === 11) conv11 = out;
  });
  const last = out;
  const c11 = conv11 as tf.Tensor4D;
  const result = tf.tidy(() => {
    const [c0, c1, c2, c3, c4, c5, c6, c7] = p.prediction as [
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
      PointwiseParams,
    ];
    const p1 = pointwiseLayer(pointwiseLayer(last, c0, [1, 1]), c1, [2, 2]);
    const p3 = pointwiseLayer(pointwiseLayer(p1, c2, [1, 1]), c3, [2, 2]);
    const p5 = pointwiseLayer(pointwiseLayer(p3, c4, [1, 1]), c5, [2, 2]);
    const p7 = pointwiseLayer(pointwiseLayer(p5, c6, [1, 1]), c7, [2, 2]);
    const features = [c11, last, p1, p3, p5, p7];
    const preds = features.map((f, i) => boxPrediction(f, p.boxPredictors[i] as BoxPredictorParams));
    const boxEnc = tf.reshape(
      tf.concat(
        preds.map((q) => q.box),
        1,
      ),
      [-1, 4],
    ) as tf.Tensor2D;
    const classPred = tf.concat(
      preds.map((q) => q.cls),
      1,
    );

    // Decode (ty, tx, th, tw) against the anchors, TF object-detection style with scales 10, 10, 5, 5.
    const anchors = tf.reshape(tf.tile(p.anchors, [n, 1, 1]), [-1, 4]) as tf.Tensor2D;
    const [aymin, axmin, aymax, axmax] = tf.unstack(tf.transpose(anchors, [1, 0])) as [
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    const ah = tf.sub(aymax, aymin);
    const aw = tf.sub(axmax, axmin);
    const acy = tf.add(aymin, tf.div(ah, 2));
    const acx = tf.add(axmin, tf.div(aw, 2));
    const [ty, tx, th, tw] = tf.unstack(tf.transpose(boxEnc, [1, 0])) as [
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    const halfH = tf.div(tf.mul(tf.exp(tf.div(th, 5)), ah), 2);
    const cy = tf.add(tf.mul(tf.div(ty, 10), ah), acy);
    const halfW = tf.div(tf.mul(tf.exp(tf.div(tw, 5)), aw), 2);
    const cx = tf.add(tf.mul(tf.div(tx, 10), aw), acx);
    const boxes = tf.reshape(
      tf.stack([tf.sub(cy, halfH), tf.sub(cx, halfW), tf.add(cy, halfH), tf.add(cx, halfW)], 1),
      [n, -1, 4],
    ) as tf.Tensor3D;
    const scores = tf.reshape(tf.sigmoid(tf.slice(classPred, [0, 0, 1], [-1, -1, 1])), [
      n,
      -1,
    ]) as tf.Tensor2D;
    return { boxes, scores };
  });
  c11.dispose();
  last.dispose();
  return result;
}
