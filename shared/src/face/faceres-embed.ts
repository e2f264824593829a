import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import { alignedFaceSquare, type Point } from "./geometry.ts";
import {
  FACERES_DESCRIPTOR_SIZE,
  FACERES_INPUT_SIZE,
  type FaceresParams,
  faceresForward,
} from "./nets/faceres.ts";
import { type SquareRegion, sampleSquare } from "./sample.ts";

/**
 * How much larger than dlib's aligned square (the ResNet-34's crop, eyes-to-mouth based) the faceres
 * crop is. HSE trained on VGGFace2's loose detector boxes, so it wants more context than dlib's
 * tight square: on celeb17 (trainer/scripts/face-probes) 1.3 gave 99.5 % top-1 over five 20 % splits
 * against 99.4 % for 1.0, and better open-set figures; larger scales were not tried.
 */
export const FACERES_CROP_SCALE = 1.3;

/** The square faceres reads for a face with these 68 landmarks. */
export function faceresSquare(landmarks: Point[], scale = FACERES_CROP_SCALE): SquareRegion {
  const sq = alignedFaceSquare(landmarks);
  const size = sq.size * scale;
  return { left: sq.left + sq.size / 2 - size / 2, top: sq.top + sq.size / 2 - size / 2, size };
}

/**
 * 1024-d faceres descriptors (HSE_FaceRec_tf), one per face, from each face's 68 landmarks: the
 * face's square (see {@link faceresSquare}) is resized to 224×224 and run through the net one face at
 * a time (its activations at 224 px are ~6 MB; batching grows the wasm heap).
 *
 * @example
 * const [d] = await embedFaceres(faceres.params, image, [face.landmarks]);
 */
export async function embedFaceres(
  params: FaceresParams,
  image: RgbImage,
  landmarks: Point[][],
  scale = FACERES_CROP_SCALE,
): Promise<Float32Array[]> {
  const size = FACERES_INPUT_SIZE;
  const out: Float32Array[] = [];
  for (const points of landmarks) {
    const input = tf.tensor4d(sampleSquare(image, faceresSquare(points, scale), size), [1, size, size, 3]);
    const result = faceresForward(input, params);
    input.dispose();
    out.push(((await result.data()) as Float32Array).slice(0, FACERES_DESCRIPTOR_SIZE));
    result.dispose();
  }
  return out;
}
