import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import type { FaceBox, Point } from "./geometry.ts";
import {
  BLAZEFACE_INPUT_SIZE,
  BLAZEFACE_SEGMENTS,
  type BlazeFaceParams,
  type BlazeFaceSegment,
  blazeFaceAnchors,
  blazeFaceForward,
  blazeFaceTail,
  decodeBlazeFace,
} from "./nets/blazeface.ts";
import { type SquareRegion, sampleRect, sampleSquare } from "./sample.ts";

/** A BlazeFace detection in pixels of the image it ran on. */
export interface BlazeFaceBox {
  box: FaceBox;
  score: number;
  /** Right eye, left eye, nose tip, mouth centre, right ear, left ear. */
  keypoints: Point[];
}

/**
 * Runs BlazeFace back on one square region of an image (the region may reach outside it: black
 * there) and returns the detections above `minScore` in image pixels, before any NMS.
 *
 * @example
 * const side = Math.max(image.width, image.height);
 * const raw = await blazeFaceRegion(blazeface.params, image, { left: 0, top: 0, size: side }, 0.5);
 */
export async function blazeFaceRegion(
  params: BlazeFaceParams,
  image: RgbImage,
  region: SquareRegion,
  minScore: number,
): Promise<BlazeFaceBox[]> {
  const size = BLAZEFACE_INPUT_SIZE;
  const input = tf.tensor4d(sampleSquare(image, region, size), [1, size, size, 3]);
  const out = blazeFaceForward(input, params);
  input.dispose();
  const raw = (await out.data()) as Float32Array;
  out.dispose();
  const s = region.size;
  return decodeBlazeFace(raw, minScore).map((d) => ({
    box: {
      left: region.left + d.left * s,
      top: region.top + d.top * s,
      width: d.width * s,
      height: d.height * s,
    },
    score: d.score,
    keypoints: d.keypoints.map((k) => ({ x: region.left + k.x * s, y: region.top + k.y * s })),
  }));
}

/**
 * The largest face (input pixels) the scaled pass reports; bigger ones are the whole-image pass'
 * (there they are ≥ 256 × this / the scaled side). Measured (trainer/scripts/face-probes/README.md):
 * 80 cut detection on a 10-face 1632×1224 photo from 621 to 453 ms (Node) but lost 1 of face-api's
 * 22 sample faces; 64 lost 2 of the 244 collage faces too.
 */
export const SCALED_PASS_MAX_FACE = 112;

/**
 * The most elements any activation of a tile may hold: a 256×256 input's first activation
 * (128×128×24). Memory, not speed, sets it (256 or 320 px first tiles ran equally fast): in the
 * worker a 256×256 input through BlazeFace kept the tfjs wasm heap at 69.2 MiB after a 2 MP photo,
 * where 384×256 grew it by the allocator's 20 % step to 83.1 MiB, and so did the whole /8 map
 * (108×68×48) of a 2 MP photo and a budget of 160×160×24 (face-memory test, after a 0.25 MP AVIF;
 * it would have saved ~5 % of the pass).
 */
const TILE_ACTIVATION_BUDGET = 128 * 128 * 24;

/** An NHWC map of one image in JS memory (not the wasm heap: only one tile at a time goes there). */
export interface FeatureMap {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Tile starts along one axis: cores of `core` from 0, each grown by the halos and clipped. */
function tileSpans(total: number, core: number, before: number, after: number) {
  const spans: { core0: number; core1: number; t0: number; t1: number }[] = [];
  for (let c0 = 0; c0 < total; c0 += core) {
    const c1 = Math.min(total, c0 + core);
    spans.push({ core0: c0, core1: c1, t0: Math.max(0, c0 - before), t1: Math.min(total, c1 + after) });
  }
  return spans;
}

/**
 * The tiling of a `width`×`height` map that computes the fewest input pixels while every tile
 * stays within `maxPixels`: cores are multiples of the stride, balanced along each axis.
 */
export function planTiles(
  width: number,
  height: number,
  segment: Pick<BlazeFaceSegment, "stride" | "haloBefore" | "haloAfter">,
  maxPixels: number,
): { x: ReturnType<typeof tileSpans>; y: ReturnType<typeof tileSpans> } {
  const { stride, haloBefore: hb, haloAfter: ha } = segment;
  const balanced = (total: number, n: number) => Math.ceil(total / n / stride) * stride;
  let best: { x: ReturnType<typeof tileSpans>; y: ReturnType<typeof tileSpans>; cost: number } | null = null;
  for (let nx = 1; nx <= width / stride; nx++) {
    const x = tileSpans(width, balanced(width, nx), hb, ha);
    const tileW = Math.max(...x.map((s) => s.t1 - s.t0));
    const coreH = Math.floor((Math.floor(maxPixels / tileW) - hb - ha) / stride) * stride;
    if (coreH < stride) continue; // too wide for the budget: narrower tiles leave room for a core
    const y = tileSpans(height, balanced(height, Math.ceil(height / coreH)), hb, ha);
    const sum = (spans: ReturnType<typeof tileSpans>) => spans.reduce((a, s) => a + s.t1 - s.t0, 0);
    const cost = sum(x) * sum(y);
    if (!best || cost < best.cost) best = { x, y, cost };
  }
  if (!best)
    throw new Error(`planTiles: no tile of ${maxPixels} px holds the halos of a ${width}×${height} map.`);
  return { x: best.x, y: best.y };
}

/**
 * Runs `segment` over `input` tile by tile (each tile's activations within
 * `TILE_ACTIVATION_BUDGET` elements) and returns the whole output map, equal to one pass over the
 * whole input: each tile keeps only the outputs whose inputs lay inside it, and tiles start on
 * multiples of the segment's stride, so "same" padding at an inner tile edge never reaches a kept
 * output. Sides of `input` must be multiples of the stride; `maxTilePixels` overrides the budget
 * (tests).
 *
 * @example
 * const quarter = runSegmentTiled(params, BLAZEFACE_SEGMENTS[0], pixels);
 */
export function runSegmentTiled(
  params: BlazeFaceParams,
  segment: BlazeFaceSegment,
  input: FeatureMap,
  maxTilePixels = Math.floor(TILE_ACTIVATION_BUDGET / segment.activationsPerPixel),
): FeatureMap {
  const { stride } = segment;
  const { height, width, channels } = input;
  if (height % stride || width % stride) {
    throw new Error(`runSegmentTiled: ${width}×${height} is not a multiple of the stride ${stride}.`);
  }
  const plan = planTiles(width, height, segment, maxTilePixels);
  const out: FeatureMap = {
    data: new Float32Array(0),
    height: height / stride,
    width: width / stride,
    channels: 0,
  };
  // One input buffer for every tile, and outputs read in place from the wasm heap: a 12 MP group
  // photo's pass runs ~30 tiles, and fresh arrays per tile left tens of MB of garbage (peak RSS).
  const tileW = Math.max(...plan.x.map((s) => s.t1 - s.t0));
  const tileH = Math.max(...plan.y.map((s) => s.t1 - s.t0));
  const pixels = new Float32Array(tileW * tileH * channels);
  for (const ys of plan.y) {
    for (const xs of plan.x) {
      const th = ys.t1 - ys.t0;
      const tw = xs.t1 - xs.t0;
      for (let y = 0; y < th; y++) {
        const from = ((ys.t0 + y) * width + xs.t0) * channels;
        pixels.set(input.data.subarray(from, from + tw * channels), y * tw * channels);
      }
      const x = tf.tensor4d(pixels.subarray(0, th * tw * channels), [1, th, tw, channels]);
      const result = segment.run(x, params);
      x.dispose();
      const [, rh, rw, rc] = result.shape as [number, number, number, number];
      const values = readInPlace(result);
      if (out.channels === 0) {
        out.channels = rc;
        out.data = new Float32Array(out.height * out.width * rc);
      }
      // Keep the core, read at its place inside the tile.
      const oy0 = ys.core0 / stride;
      const ox0 = xs.core0 / stride;
      const oy1 = ys.core1 / stride;
      const ox1 = xs.core1 / stride;
      const dy = oy0 - ys.t0 / stride;
      const dx = ox0 - xs.t0 / stride;
      if (dy + (oy1 - oy0) > rh || dx + (ox1 - ox0) > rw) {
        result.dispose();
        throw new Error("runSegmentTiled: tile output too small.");
      }
      for (let y = oy0; y < oy1; y++) {
        const from = ((y - oy0 + dy) * rw + dx) * rc;
        out.data.set(values.subarray(from, from + (ox1 - ox0) * rc), (y * out.width + ox0) * rc);
      }
      result.dispose();
    }
  }
  return out;
}

/**
 * A float32 tensor's values: a view of the wasm backend's heap where it offers one (valid until
 * the tensor is disposed or the heap grows; read before either), else a copy.
 */
function readInPlace(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => unknown };
  if (typeof backend.typedArrayFromHeap === "function") {
    const view = backend.typedArrayFromHeap(t);
    if (view instanceof Float32Array) return view;
  }
  return t.dataSync() as Float32Array;
}

/**
 * BlazeFace back (fully convolutional) over a whole `width`×`height` input map of pixels 0..255
 * (sides multiples of 16), run as the segments tile by tile and the tail on the whole /16 map:
 * the same `[anchors, 17]` as one pass over the whole input, in a fraction of the wasm heap.
 */
export function blazeFaceTiled(params: BlazeFaceParams, pixels: FeatureMap): Float32Array {
  let map = pixels;
  for (const segment of BLAZEFACE_SEGMENTS) map = runSegmentTiled(params, segment, map);
  const x = tf.tensor4d(map.data, [1, map.height, map.width, map.channels]);
  const out = blazeFaceTail(x, params);
  x.dispose();
  const raw = out.dataSync() as Float32Array;
  out.dispose();
  return raw;
}

/**
 * The scaled pass' input size for a `width`×`height` image at `scale`: sides rounded up to
 * multiples of 16 (the tiled segments' total stride; the tail pads an odd /16 map as one whole
 * pass would), at least 32. The epsilon keeps float error from adding a column: 1334 px at
 * 18/27.79 is 864 exactly, computed as 864.0000001.
 *
 * @example
 * scaledPassInputSize(1334, 1000, 18 / 27.791666); // { width: 864, height: 656 }
 */
export function scaledPassInputSize(
  width: number,
  height: number,
  scale: number,
): { width: number; height: number } {
  const side = (n: number) => Math.max(32, Math.ceil((n * scale - 1e-6) / 16) * 16);
  return { width: side(width), height: side(height) };
}

/**
 * Runs BlazeFace back over the whole image scaled by `scale` (fully convolutional, so the result
 * is one pass over the whole scaled picture: no block edges, no overlaps), computed tile by tile
 * ({@link blazeFaceTiled}) to bound the wasm heap, and returns the detections above `minScore` in
 * image pixels, before any NMS. It replaced 256×256 blocks overlapping by 112 px, which computed
 * each pixel ~2.6 times.
 *
 * @example
 * // Faces of 40 px become 18 px at the net's input.
 * const raw = await blazeFaceScaled(blazeface.params, image, 18 / 40, 0.7);
 */
export async function blazeFaceScaled(
  params: BlazeFaceParams,
  image: RgbImage,
  scale: number,
  minScore: number,
): Promise<BlazeFaceBox[]> {
  const { width, height } = scaledPassInputSize(image.width, image.height, scale);
  const data = sampleRect(
    image,
    { left: 0, top: 0, width: width / scale, height: height / scale },
    width,
    height,
  );
  const raw = blazeFaceTiled(params, { data, height, width, channels: 3 });
  return decodeBlazeFace(raw, minScore, blazeFaceAnchors(width, height), width, height).map((d) => ({
    box: {
      left: (d.left * width) / scale,
      top: (d.top * height) / scale,
      width: (d.width * width) / scale,
      height: (d.height * height) / scale,
    },
    score: d.score,
    keypoints: d.keypoints.map((k) => ({ x: (k.x * width) / scale, y: (k.y * height) / scale })),
  }));
}
