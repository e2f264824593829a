import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import type { FaceBox, Point } from "./geometry.ts";
import {
  BLAZEFACE_INPUT_SIZE,
  type BlazeFaceParams,
  blazeFaceAnchors,
  blazeFaceForward,
  decodeBlazeFace,
} from "./nets/blazeface.ts";
import { type SquareRegion, sampleSquare } from "./sample.ts";

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
 * Runs BlazeFace back once over the whole image scaled by `scale` (fully convolutional: the input
 * is the scaled image itself, its sides rounded up to multiples of 32 with black beyond the image),
 * and returns the detections above `minScore` in image pixels, before any NMS. One pass over a
 * large input replaces a grid of overlapping 256 px tiles: same faces, no overlap computed twice
 * and no per-pass overhead.
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
  const width = Math.max(32, Math.ceil((image.width * scale) / 32) * 32);
  const height = Math.max(32, Math.ceil((image.height * scale) / 32) * 32);
  const side = Math.max(width, height);
  // sampleSquare makes squares: sample the square and keep its first `height` rows.
  const square = sampleSquare(image, { left: 0, top: 0, size: side / scale }, side);
  const input = tf.tensor4d(square.subarray(0, height * side * 3), [1, height, side, 3]);
  const cropped = width < side ? tf.slice(input, [0, 0, 0, 0], [1, height, width, 3]) : input;
  if (cropped !== input) input.dispose();
  const out = blazeFaceForward(cropped as tf.Tensor4D, params);
  cropped.dispose();
  const raw = (await out.data()) as Float32Array;
  out.dispose();
  const w = width / scale;
  const h = height / scale;
  return decodeBlazeFace(raw, minScore, blazeFaceAnchors(width, height), width, height).map((d) => ({
    box: { left: d.left * w, top: d.top * h, width: d.width * w, height: d.height * h },
    score: d.score,
    keypoints: d.keypoints.map((k) => ({ x: k.x * w, y: k.y * h })),
  }));
}
