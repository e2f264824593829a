// Step 3 of the face pipeline: a 128-d identity descriptor per aligned face.
import * as tf from "@tensorflow/tfjs-core";
import type { FaceSettings } from "../artifact/metadata.ts";
import type { RgbImage } from "../image/types.ts";
import { findLandmarks, sampleAlignedFace, wholeImageFace } from "./align.ts";
import { sampleFaceChip } from "./chip.ts";
import type { DetectedFace } from "./detect.ts";
import type { Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { faceRecognitionForward, RECOGNITION_INPUT_SIZE } from "./nets/face-recognition.ts";

// One 150×150 face per forward pass keeps the ResNet's activations to a few MB of wasm heap.
const RECOGNITION_BATCH = 1;

/** Length of a face descriptor. */
export const FACE_DESCRIPTOR_SIZE = 128;

/**
 * How a face becomes the ResNet-34's input and what is averaged.
 * - `crop`: `dlib-chip` rotates and scales the face onto dlib's mean face shape (padding 0.25: the
 *   crop dlib trained the net on); `aligned-square` is face-api.js's axis-aligned square around eyes
 *   and mouth (models of format 1.x).
 * - `mirror`: also describe the chip flipped left–right and average the two descriptors.
 */
export interface DescriptorRecipe {
  crop: "dlib-chip" | "aligned-square";
  mirror: boolean;
}

/**
 * The recipe new models are trained with. On celeb17's leave-3-classes-out folds (ResNet-34, unit
 * length, nearest centroid, ≥ 98 % strangers rejected) known faces accepted and correct went from
 * 95.4 % (aligned square) to 98.7 % (dlib chip) and 99.3 % (dlib chip + mirror).
 */
export const DEFAULT_DESCRIPTOR_RECIPE: Readonly<DescriptorRecipe> = Object.freeze({
  crop: "dlib-chip",
  mirror: true,
});

/** The recipe of face models written before the recipe was recorded (artefact format 1.x). */
export const LEGACY_DESCRIPTOR_RECIPE: Readonly<DescriptorRecipe> = Object.freeze({
  crop: "aligned-square",
  mirror: false,
});

/**
 * The recipe a face model's descriptors were made with: its metadata's `face.descriptor`, or the
 * legacy aligned square for 1.x models that predate it.
 *
 * @example
 * descriptorRecipeOf(metadata.face); // { crop: "dlib-chip", mirror: true }
 */
export function descriptorRecipeOf(
  face: Pick<FaceSettings, "descriptor"> | undefined,
): Readonly<DescriptorRecipe> {
  return face?.descriptor ?? LEGACY_DESCRIPTOR_RECIPE;
}

/**
 * One ResNet-34 pass per face: the face's crop under `crop`, flipped left–right when `mirrored`.
 * {@link embedFaces} averages a plain and a mirrored pass; recognizeFaces runs the mirrored pass only
 * where it can change the answer.
 *
 * @example
 * const [plain] = await describeFaces(models, image, [face.landmarks], { crop: "dlib-chip", mirrored: false });
 */
export async function describeFaces(
  models: FaceModels,
  image: RgbImage,
  landmarks: Point[][],
  pass: { crop: DescriptorRecipe["crop"]; mirrored: boolean },
): Promise<Float32Array[]> {
  const size = RECOGNITION_INPUT_SIZE;
  const result: Float32Array[] = [];
  for (let start = 0; start < landmarks.length; start += RECOGNITION_BATCH) {
    const chunk = landmarks.slice(start, start + RECOGNITION_BATCH);
    const pixels = new Float32Array(chunk.length * size * size * 3);
    chunk.forEach((points, i) => {
      const offset = i * size * size * 3;
      if (pass.crop === "dlib-chip")
        sampleFaceChip(image, points, size, { mirror: pass.mirrored, out: pixels, offset });
      else {
        sampleAlignedFace(image, points, size, pixels, offset);
        if (pass.mirrored) mirrorRows(pixels, size, offset);
      }
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

function mirrorRows(pixels: Float32Array, size: number, offset: number): void {
  for (let y = 0; y < size; y++) {
    const row = offset + y * size * 3;
    for (let x = 0; x < size / 2; x++) {
      const a = row + x * 3;
      const b = row + (size - 1 - x) * 3;
      for (let c = 0; c < 3; c++) [pixels[a + c], pixels[b + c]] = [pixels[b + c]!, pixels[a + c]!];
    }
  }
}

/** The mean of a plain and a mirrored descriptor (what a mirror recipe's descriptor is). */
export function averageDescriptors(plain: Float32Array, mirrored: Float32Array): Float32Array {
  return plain.map((v, i) => (v + mirrored[i]!) / 2);
}

/**
 * Each face's 68 landmarks: the detector's, or found now for faces that came without them.
 *
 * @example
 * const [points] = await landmarksOf(models, image, [face]);
 */
export async function landmarksOf(
  models: FaceModels,
  image: RgbImage,
  faces: DetectedFace[],
): Promise<Point[][]> {
  const missing = faces.filter((f) => !f.landmarks);
  const computed = missing.length
    ? await findLandmarks(
        models,
        image,
        missing.map((f) => f.box),
      )
    : [];
  let next = 0;
  return faces.map((f) => f.landmarks ?? (computed[next++] as Point[]));
}

/**
 * 128-d identity descriptors for detected faces, in the same order: each face is cropped from its
 * 68 landmarks (found here if missing) as `recipe` says, 150×150, and run through dlib's ResNet-34
 * (twice with `mirror`, averaged). Same person ≈ distance below 0.6 (face-api's rule of thumb).
 *
 * @example
 * const [descriptor] = await embedFaces(models, image, found.faces);
 */
export async function embedFaces(
  models: FaceModels,
  image: RgbImage,
  faces: DetectedFace[],
  recipe: Readonly<DescriptorRecipe> = DEFAULT_DESCRIPTOR_RECIPE,
): Promise<Float32Array[]> {
  const landmarks = await landmarksOf(models, image, faces);
  const plain = await describeFaces(models, image, landmarks, { crop: recipe.crop, mirrored: false });
  if (!recipe.mirror) return plain;
  const mirrored = await describeFaces(models, image, landmarks, { crop: recipe.crop, mirrored: true });
  return plain.map((d, i) => averageDescriptors(d, mirrored[i]!));
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
