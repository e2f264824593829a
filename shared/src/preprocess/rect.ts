import { MarqueeError } from "../errors.ts";

/** An axis-aligned rectangle in whole pixels; `left`/`top` are inclusive, the size is in pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The rectangle covering a whole `width`×`height` image. */
export function fullRect(width: number, height: number): Rect {
  return { left: 0, top: 0, width, height };
}

/**
 * The largest rectangle of the given aspect (width / height) centred in a `width`×`height` image.
 * Sizes round down and the offset rounds down, exactly as Keras' `crop_to_aspect_ratio` does, so a
 * model trained with Keras-style centre crops sees the same pixels here.
 *
 * @example
 * centerCropRect(640, 480); // { left: 80, top: 0, width: 480, height: 480 }
 */
export function centerCropRect(width: number, height: number, aspect = 1): Rect {
  assertPositiveInteger(width, "width");
  assertPositiveInteger(height, "height");
  if (!(Number.isFinite(aspect) && aspect > 0)) {
    throw new MarqueeError("bad_request", `Crop aspect must be a positive number, got ${aspect}.`);
  }
  // The epsilon keeps e.g. 300 / (3/2) = 199.99999999999997 from losing a whole pixel.
  const cropHeight = Math.max(1, Math.min(height, Math.floor(width / aspect + 1e-9)));
  const cropWidth = Math.max(1, Math.min(width, Math.floor(height * aspect + 1e-9)));
  // Keras applies both; at most one of them is shorter than its side.
  return {
    left: Math.floor((width - cropWidth) / 2),
    top: Math.floor((height - cropHeight) / 2),
    width: cropWidth,
    height: cropHeight,
  };
}

/**
 * Snap a fractional rectangle (e.g. a face detector's box) outward to whole pixels and clip it to
 * a `width`×`height` image. Throws `bad_request` if nothing of it lies inside the image.
 *
 * @example
 * clampRect({ left: -5.5, top: 10.2, width: 50, height: 40 }, 100, 100); // { left: 0, top: 10, width: 45, height: 41 }
 */
export function clampRect(rect: Rect, width: number, height: number): Rect {
  assertPositiveInteger(width, "width");
  assertPositiveInteger(height, "height");
  const { left, top, width: w, height: h } = rect;
  if (![left, top, w, h].every(Number.isFinite)) {
    throw new MarqueeError("bad_request", `Crop rectangle has a non-finite value: ${formatRect(rect)}.`);
  }
  const x0 = Math.max(0, Math.floor(left));
  const y0 = Math.max(0, Math.floor(top));
  const x1 = Math.min(width, Math.ceil(left + w));
  const y1 = Math.min(height, Math.ceil(top + h));
  if (x1 <= x0 || y1 <= y0) {
    throw new MarqueeError(
      "bad_request",
      `Crop rectangle ${formatRect(rect)} does not overlap the ${width}×${height} image.`,
    );
  }
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Throw `bad_request` unless `rect` is a non-empty whole-pixel rectangle inside a `width`×`height` image.
 * Strict on purpose: silently clipping would hide a caller's off-by-one; use {@link clampRect} to clip.
 */
export function assertRectInside(rect: Rect, width: number, height: number): void {
  const { left, top, width: w, height: h } = rect;
  if (![left, top, w, h].every(Number.isInteger)) {
    throw new MarqueeError("bad_request", `Crop rectangle must be whole pixels, got ${formatRect(rect)}.`);
  }
  if (w <= 0 || h <= 0) {
    throw new MarqueeError("bad_request", `Crop rectangle ${formatRect(rect)} is empty.`);
  }
  if (left < 0 || top < 0 || left + w > width || top + h > height) {
    throw new MarqueeError(
      "bad_request",
      `Crop rectangle ${formatRect(rect)} reaches outside the ${width}×${height} image.`,
    );
  }
}

function assertPositiveInteger(value: number, name: string): void {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new MarqueeError("bad_request", `Image ${name} must be a positive whole number, got ${value}.`);
  }
}

function formatRect(r: Rect): string {
  return `{left: ${r.left}, top: ${r.top}, width: ${r.width}, height: ${r.height}}`;
}
