// Step 3 of the face pipeline: a 128-d identity descriptor per aligned face.
import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import { findLandmarks, sampleAlignedFace, wholeImageFace } from "./align.ts";
import type { DetectedFace } from "./detect.ts";
import type { Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { faceRecognitionForward, RECOGNITION_INPUT_SIZE } from "./nets/face-recognition.ts";

// One 150×150 face per forward pass keeps the ResNet's activations to a few MB of wasm heap.
const RECOGNITION_BATCH = 1;

/** Length of a face descriptor. */
export const FACE_DESCRIPTOR_SIZE = 128;

async function describeAligned(
  models: FaceModels,
  image: RgbImage,
  landmarks: Point[][],
): Promise<Float32Array[]> {
  const size = RECOGNITION_INPUT_SIZE;
  const result: Float32Array[] = [];
  for (let start = 0; start < landmarks.length; start += RECOGNITION_BATCH) {
    const chunk = landmarks.slice(start, start + RECOGNITION_BATCH);
    const pixels = new Float32Array(chunk.length * size * size * 3);
    chunk.forEach((points, i) => {
      sampleAlignedFace(image, points, size, pixels, i * size * size * 3);
    });
    const input = tf.tensor4d(pixels, [chunk.length, size, size, 3]);
    const out = faceRecognitionForward(input, models.recognition);
    input.dispose();
    const data = (await out.data()) as Float32Array;
    out.dispose();
    for (let i = 0; i < chunk.length; i++) {
      result.push(data.slice(i * FACE_DESCRIPTOR_SIZE, (i + 1) * FACE_DESCRIPTOR_SIZE));
    }
  }
  return result;
}

/**
 * 128-d identity descriptors for detected faces, in the same order: each face is aligned from its
 * 68 landmarks (found here if missing), cropped to 150×150 and run through dlib's ResNet-34.
 * Same person ≈ distance below 0.6 (face-api's rule of thumb).
 *
 * @example
 * const [descriptor] = await embedFaces(models, image, await detectFaces(models, image));
 */
export async function embedFaces(
  models: FaceModels,
  image: RgbImage,
  faces: DetectedFace[],
): Promise<Float32Array[]> {
  const missing = faces.filter((f) => !f.landmarks);
  const computed = missing.length
    ? await findLandmarks(
        models,
        image,
        missing.map((f) => f.box),
      )
    : [];
  let next = 0;
  const landmarks = faces.map((f) => f.landmarks ?? (computed[next++] as Point[]));
  return describeAligned(models, image, landmarks);
}

/**
 * Treats the whole image as the face box (for photos that are already tight face crops, such as
 * 112×112 aligned crops): finds landmarks in it, aligns and embeds. No detector involved.
 *
 * @example
 * const { descriptor } = await embedWholeImageAsFace(models, crop112);
 */
export async function embedWholeImageAsFace(
  models: FaceModels,
  image: RgbImage,
): Promise<{ descriptor: Float32Array; face: DetectedFace }> {
  const face = await wholeImageFace(models, image);
  const [descriptor] = (await embedFaces(models, image, [face])) as [Float32Array];
  return { descriptor, face };
}
