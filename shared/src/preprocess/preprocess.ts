import type { ModelMetadata, Preprocessing } from "../artifact/metadata.ts";
import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { applyNormalization } from "./normalize.ts";
import { centerCropRect, fullRect, type Rect } from "./rect.ts";
import { cropResizeBilinear } from "./resize.ts";

/** What {@link preprocessImage} needs from a model's metadata.json. */
export interface PreprocessSpec {
  input: ModelMetadata["input"];
  preprocessing: Preprocessing;
}

/** Number of floats in one preprocessed input: height × width × 3. */
export function preprocessedLength(input: ModelMetadata["input"]): number {
  return input.height * input.width * 3;
}

/**
 * The part of `image` that {@link preprocessImage} feeds to the resize: the whole image for
 * `stretch`, or the largest centred rectangle of the input's aspect for `centerCrop`.
 */
export function preprocessRect(image: RgbImage, spec: PreprocessSpec): Rect {
  const fit = spec.preprocessing.fit ?? "stretch";
  if (fit === "stretch") return fullRect(image.width, image.height);
  if (fit === "centerCrop") {
    return centerCropRect(image.width, image.height, spec.input.width / spec.input.height);
  }
  throw new MarqueeError("invalid_metadata", `Unknown preprocessing fit "${fit as string}".`);
}

/**
 * Turn a decoded photo into the model's input: crop per `fit`, bilinear resize to the input size,
 * normalise. Returns HWC float32 (length {@link preprocessedLength}); the trainer and the edge both
 * call this, so a photo becomes the same tensor in both. Reuses `out` when given.
 *
 * @example
 * const meta = parseModelMetadataText(text);
 * const x = preprocessImage(decoded.image, meta); // then tf.tensor4d(x, [1, h, w, 3])
 */
export function preprocessImage(image: RgbImage, spec: PreprocessSpec, out?: Float32Array): Float32Array {
  const { input, preprocessing } = spec;
  if (preprocessing.resize !== "bilinear") {
    throw new MarqueeError("invalid_metadata", `Unknown resize method "${preprocessing.resize as string}".`);
  }
  const pixels = cropResizeBilinear(image, preprocessRect(image, spec), input.width, input.height, out);
  return applyNormalization(pixels, preprocessing.normalization);
}
