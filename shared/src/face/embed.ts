import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import { type DetectedFace, type DetectFacesOptions, detectFaces, detectLandmarks } from "./detect.ts";
import { alignedFaceSquare, type Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { faceRecognitionForward, RECOGNITION_INPUT_SIZE } from "./nets/face-recognition.ts";
import { sampleSquare } from "./sample.ts";

// Four 150×150 faces per forward pass keeps the ResNet's activations to a few MB of wasm heap.
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
      sampleSquare(image, alignedFaceSquare(points), size, pixels, i * size * size * 3);
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
 * 68 landmarks (computed here if missing), cropped to 150×150 and run through dlib's ResNet-34.
 * Same person ≈ distance below 0.6 (face-api's rule of thumb).
 */
export async function embedFaces(
  models: FaceModels,
  image: RgbImage,
  faces: DetectedFace[],
): Promise<Float32Array[]> {
  const missing = faces.filter((f) => !f.landmarks);
  const computed = missing.length
    ? await detectLandmarks(
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
 */
export async function embedWholeImageAsFace(
  models: FaceModels,
  image: RgbImage,
): Promise<{ descriptor: Float32Array; face: DetectedFace }> {
  const box = { left: 0, top: 0, width: image.width, height: image.height };
  const [landmarks] = (await detectLandmarks(models, image, [box])) as [Point[]];
  const [descriptor] = (await describeAligned(models, image, [landmarks])) as [Float32Array];
  return { descriptor, face: { box, score: 0, landmarks } };
}

/** Where {@link embedLargestFace} got its face from. */
export type FaceSource = "detected" | "whole-image";

/** Options for {@link embedLargestFace}. */
export interface EmbedLargestFaceOptions extends DetectFacesOptions {
  /**
   * When no face is detected, treat a near-square image (aspect within 3:4..4:3) as a tight face
   * crop. Default true.
   */
  wholeImageFallback?: boolean;
}

/**
 * Detects the largest face and embeds it; falls back to {@link embedWholeImageAsFace} for
 * near-square images in which the detector (with its padded retry) finds nothing.
 * Returns null when there is no face to embed.
 */
export async function embedLargestFace(
  models: FaceModels,
  image: RgbImage,
  opts: EmbedLargestFaceOptions = {},
): Promise<{ descriptor: Float32Array; face: DetectedFace; source: FaceSource } | null> {
  const [face] = await detectFaces(models, image, { ...opts, maxFaces: 1 });
  if (face) {
    const [descriptor] = (await embedFaces(models, image, [face])) as [Float32Array];
    return { descriptor, face, source: "detected" };
  }
  const aspect = image.width / image.height;
  if (opts.wholeImageFallback === false || aspect < 0.75 || aspect > 4 / 3) return null;
  return { ...(await embedWholeImageAsFace(models, image)), source: "whole-image" };
}
