import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import type { FaceBox, Point } from "./geometry.ts";
import {
  BLAZEFACE_INPUT_SIZE,
  type BlazeFaceParams,
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
