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
 * Largest input block of the scaled pass. In Node (face-api's nets loaded, after the ResNet-34 has
 * run) 384×256 and 256×256 blocks both left the wasm heap at 99.7 MiB, where the old pipeline left
 * it; 512×256 at 119.6 MiB. In the worker 256×256 is the one that fits: after a 2 MP photo of 3
 * faces the isolate's tfjs heap stayed at 69.2 MiB with 256×256 blocks, and grew by the allocator's
 * 20 % step to 83.1 MiB with 384×256 (isolate estimate 120 MiB; test/edge/face-memory.test.ts).
 */
const BLOCK = { width: 256, height: 256 };
/**
 * The largest face (input pixels) the scaled pass reports; bigger ones are the whole-image pass'
 * (there they are ≥ 256 × this / the scaled side). Measured (trainer/scripts/face-probes/README.md):
 * 80 cut detection on a 10-face 1632×1224 photo from 621 to 453 ms (Node) but lost 1 of face-api's
 * 22 sample faces; 64 lost 2 of the 244 collage faces too.
 */
export const SCALED_PASS_MAX_FACE = 112;
/** Blocks overlap by the largest face the scaled pass keeps, so each such face lies whole in one block (128 cost 30 blocks on a 2 MP photo, 112 costs 24; same recall on the group set). */
const BLOCK_OVERLAP = SCALED_PASS_MAX_FACE;

function blockStarts(total: number, block: number): number[] {
  if (total <= block) return [0];
  const n = Math.ceil((total - block) / (block - BLOCK_OVERLAP)) + 1;
  const step = (total - block) / (n - 1);
  // Multiples of 32 input pixels keep the grids of neighbouring blocks aligned.
  return Array.from({ length: n }, (_, i) => Math.min(total - block, Math.round((i * step) / 32) * 32));
}

/**
 * Runs BlazeFace back (fully convolutional) over the whole image scaled by `scale`, in blocks of at
 * most 256×256 input pixels that overlap by 112, and returns the detections above `minScore` in image
 * pixels (each block reports the faces centred in its share of the overlaps), before any NMS. This
 * replaces a grid of overlapping 256 px tiles: about half the pixels, and one pass per block. The
 * block size bounds the activations: one 864×512 pass grew the wasm heap to 120 MiB, a 512×256
 * block to 34 MiB (BlazeFace's weights only loaded).
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
  block: { width: number; height: number } = BLOCK,
): Promise<BlazeFaceBox[]> {
  const width = Math.max(32, Math.ceil((image.width * scale) / 32) * 32);
  const height = Math.max(32, Math.ceil((image.height * scale) / 32) * 32);
  const bw = Math.min(width, block.width);
  const bh = Math.min(height, block.height);
  const xs = blockStarts(width, bw);
  const ys = blockStarts(height, bh);
  const out: BlazeFaceBox[] = [];
  // Each row of blocks is cut from one band sampled once (not one resampling per block: the
  // blocks overlap, and resampling was ~15 % of the pass).
  const band = new Float32Array(width * bh * 3);
  const blockPixels = new Float32Array(bw * bh * 3);
  for (const [yi, y0] of ys.entries()) {
    sampleRect(
      image,
      { left: 0, top: y0 / scale, width: width / scale, height: bh / scale },
      width,
      bh,
      band,
    );
    for (const [xi, x0] of xs.entries()) {
      for (let y = 0; y < bh; y++) {
        blockPixels.set(band.subarray((y * width + x0) * 3, (y * width + x0 + bw) * 3), y * bw * 3);
      }
      const input = tf.tensor4d(blockPixels, [1, bh, bw, 3]);
      const result = blazeFaceForward(input, params);
      input.dispose();
      const raw = (await result.data()) as Float32Array;
      result.dispose();
      // This block's share: up to the middle of each overlap with a neighbour.
      const left = xi === 0 ? -Infinity : (x0 + (xs[xi - 1]! + bw)) / 2;
      const right = xi === xs.length - 1 ? Infinity : (xs[xi + 1]! + x0 + bw) / 2;
      const top = yi === 0 ? -Infinity : (y0 + (ys[yi - 1]! + bh)) / 2;
      const bottom = yi === ys.length - 1 ? Infinity : (ys[yi + 1]! + y0 + bh) / 2;
      for (const d of decodeBlazeFace(raw, minScore, blazeFaceAnchors(bw, bh), bw, bh)) {
        const cx = x0 + (d.left + d.width / 2) * bw;
        const cy = y0 + (d.top + d.height / 2) * bh;
        if (cx < left || cx >= right || cy < top || cy >= bottom) continue;
        out.push({
          box: {
            left: (x0 + d.left * bw) / scale,
            top: (y0 + d.top * bh) / scale,
            width: (d.width * bw) / scale,
            height: (d.height * bh) / scale,
          },
          score: d.score,
          keypoints: d.keypoints.map((k) => ({ x: (x0 + k.x * bw) / scale, y: (y0 + k.y * bh) / scale })),
        });
      }
    }
  }
  return out;
}
