/**
 * The integer factor each side of a `width`×`height` image is divided by (rounding up) so that it
 * holds at most `maxPixels` pixels: 1 when it already fits or no working size is asked for.
 *
 * @example
 * reductionFor(4000, 3000, 2_000_000); // 3 → 1334×1000
 */
export function reductionFor(width: number, height: number, maxPixels?: number): number {
  if (maxPixels === undefined || !(maxPixels > 0)) return 1;
  let r = Math.max(1, Math.ceil(Math.sqrt((width * height) / maxPixels)));
  // ceil() per side can leave the result a hair over the budget; step until it fits.
  while (Math.ceil(width / r) * Math.ceil(height / r) > maxPixels && r < Math.max(width, height)) r++;
  // …and never further than needed (sqrt rounding can overshoot by one).
  while (r > 1 && Math.ceil(width / (r - 1)) * Math.ceil(height / (r - 1)) <= maxPixels) r--;
  return r;
}

/** The working image's pixel cap when nobody sets one: about what the face pipeline needs (detector at 320 px, 150 px aligned crops). */
export const DEFAULT_WORKING_PIXELS = 2_000_000;

/** Image models decode to at most this many times their input's pixels (then bilinear-resize to the input). */
const IMAGE_MODEL_WORKING_FACTOR = 16;

/**
 * The working size (pixels) a photo is decoded to for a model: `cap` for face models; for image
 * models 16× their input's pixels (so the bilinear resize to the input still sees detail), within
 * `cap`. The edge worker and `pnpm predict` both decode with it, so they answer alike.
 *
 * @example
 * modelWorkingPixels({ pipeline: "image", input: { width: 224, height: 224 } }); // 802816
 * await decodeImage(bytes, { maxPixels: modelWorkingPixels(metadata) });
 */
export function modelWorkingPixels(
  model: { pipeline: "image" | "face"; input: { width: number; height: number } },
  cap = DEFAULT_WORKING_PIXELS,
): number {
  if (model.pipeline === "face") return cap;
  return Math.min(cap, IMAGE_MODEL_WORKING_FACTOR * model.input.width * model.input.height);
}
