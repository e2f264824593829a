// Step 2 of the face pipeline: 68 landmarks per detected box, and the aligned square they define
// (the crop embed.ts describes). Landmarks live here, not in detect.ts, so that a photo flows one
// way: detect.ts → align.ts → embed.ts.
import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../image/types.ts";
import type { DetectedFace, FaceBoxes } from "./detect.ts";
import { alignedFaceSquare, type FaceBox, type Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { faceLandmark68Forward, LANDMARK_INPUT_SIZE } from "./nets/face-landmark-68.ts";
import { sampleSquare } from "./sample.ts";

// One face per forward pass: batches of 4–8 grew the wasm heap by ~40 MB for a 5-face photo.
const LANDMARK_BATCH = 1;

/**
 * Computes 68 landmarks for each box (in pixels of `image`). The box is padded to a centred square
 * with black outside the box, exactly the crop face-api gives its landmark net.
 *
 * @example
 * const [points] = await findLandmarks(models, image, [{ left: 10, top: 20, width: 80, height: 90 }]);
 */
export async function findLandmarks(
  models: FaceModels,
  image: RgbImage,
  boxes: FaceBox[],
): Promise<Point[][]> {
  const result: Point[][] = [];
  const size = LANDMARK_INPUT_SIZE;
  for (let start = 0; start < boxes.length; start += LANDMARK_BATCH) {
    const chunk = boxes.slice(start, start + LANDMARK_BATCH);
    const pixels = new Float32Array(chunk.length * size * size * 3);
    const regions = chunk.map((box, i) => {
      const side = Math.max(box.width, box.height);
      const region = {
        left: box.left - (side - box.width) / 2,
        top: box.top - (side - box.height) / 2,
        size: side,
      };
      const clip = {
        left: box.left,
        top: box.top,
        right: box.left + box.width,
        bottom: box.top + box.height,
      };
      sampleSquare(image, region, size, pixels, i * size * size * 3, clip);
      return region;
    });
    const input = tf.tensor4d(pixels, [chunk.length, size, size, 3]);
    const out = faceLandmark68Forward(input, models.landmarks.params);
    input.dispose();
    const data = (await out.data()) as Float32Array;
    out.dispose();
    regions.forEach((region, i) => {
      const points: Point[] = [];
      for (let p = 0; p < 68; p++) {
        points.push({
          x: region.left + (data[i * 136 + p * 2] as number) * region.size,
          y: region.top + (data[i * 136 + p * 2 + 1] as number) * region.size,
        });
      }
      result.push(points);
    });
  }
  return result;
}

/**
 * The detector's faces in photo pixels, with landmarks unless `landmarks` is false. Landmarks are
 * found on the image the detector saw (`boxes.work`) and scaled back with the boxes.
 *
 * @example
 * const faces = await alignDetectedFaces(models, await detectFaceBoxes(models, image));
 */
export async function alignDetectedFaces(
  models: FaceModels,
  boxes: FaceBoxes,
  landmarks = true,
): Promise<DetectedFace[]> {
  const { work, scale, faces } = boxes;
  const points = landmarks
    ? await findLandmarks(
        models,
        work,
        faces.map((f) => f.box),
      )
    : undefined;
  return faces.map((f, i) => {
    const face: DetectedFace = {
      box: {
        left: f.box.left * scale.x,
        top: f.box.top * scale.y,
        width: f.box.width * scale.x,
        height: f.box.height * scale.y,
      },
      score: f.score,
    };
    const found = points?.[i];
    if (found) face.landmarks = found.map((p) => ({ x: p.x * scale.x, y: p.y * scale.y }));
    return face;
  });
}

/**
 * The whole image as one face (for photos that already are tight face crops, such as 112×112
 * aligned crops): the box is the image, landmarks are found in it, the score is 0.
 *
 * @example
 * const face = await wholeImageFace(models, crop); // { box: { left: 0, top: 0, width, height }, score: 0, landmarks }
 */
export async function wholeImageFace(models: FaceModels, image: RgbImage): Promise<DetectedFace> {
  const box = { left: 0, top: 0, width: image.width, height: image.height };
  const [landmarks] = (await findLandmarks(models, image, [box])) as [Point[]];
  return { box, score: 0, landmarks };
}

/**
 * Writes the aligned square of a face (face-api's dlib-style square from eye and mouth centres) into
 * `out` at `offset`, resized to `size`×`size` RGB floats: the descriptor net's input.
 */
export function sampleAlignedFace(
  image: RgbImage,
  landmarks: Point[],
  size: number,
  out: Float32Array,
  offset: number,
): void {
  sampleSquare(image, alignedFaceSquare(landmarks), size, out, offset);
}
