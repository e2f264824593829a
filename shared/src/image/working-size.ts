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
