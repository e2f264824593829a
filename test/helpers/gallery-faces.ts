// Face photos for the gallery tests, cut from face-api's sample photos with sharp: a portrait
// around one face of the face fixture's people, with variations (scale, mirror, brightness,
// shift) so that enrolment and identification never see the same pixels.
import sharp from "sharp";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import { samplePhotoPath } from "./images.ts";

/** How a portrait differs from the plain crop. */
export interface Variant {
  /** Side of the crop as a multiple of the face box (default 2.4). */
  scale?: number;
  flip?: boolean;
  /** Brightness multiplier (default 1). */
  brightness?: number;
  /** Horizontal shift of the crop, as a fraction of the face width (default 0). */
  shift?: number;
}

/** Five different views of a face: what "five photos of a person" means in the tests. */
export const FIVE_VARIANTS: readonly Variant[] = [
  { scale: 2.0, flip: true },
  { scale: 2.7 },
  { scale: 2.4, brightness: 1.25 },
  { scale: 2.2, flip: true, brightness: 0.9 },
  { scale: 2.5, shift: 0.1 },
];

/** A held-back view, unlike every one of {@link FIVE_VARIANTS}. */
export const HELD_BACK: Variant = { scale: 2.6, shift: -0.1, brightness: 1.1 };

/**
 * A JPEG portrait of one of the face fixture's people.
 *
 * @example
 * const bytes = await portrait(gallery.people[0], { flip: true });
 */
export async function portrait(
  person: FaceGallery["people"][number],
  variant: Variant = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { box, imageWidth, imageHeight } = person;
  const side = Math.max(box.width, box.height) * (variant.scale ?? 2.4);
  const cx = box.left + box.width / 2 + (variant.shift ?? 0) * box.width;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(box.top + box.height / 2 - side * 0.45));
  const width = Math.min(imageWidth - left, Math.round(side));
  const height = Math.min(imageHeight - top, Math.round(side * 1.1));
  let img = sharp(samplePhotoPath(person.photo)).extract({ left, top, width, height });
  if (variant.flip) img = img.flop();
  if (variant.brightness !== undefined) img = img.modulate({ brightness: variant.brightness });
  return new Uint8Array(await img.jpeg({ quality: 90 }).toBuffer());
}

/** A photo without any face: a smooth gradient, wide enough (5:3) that no whole-image fallback applies. */
export async function faceless(): Promise<Uint8Array<ArrayBuffer>> {
  const width = 400;
  const height = 240;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = 128;
    }
  return new Uint8Array(
    await sharp(data, { raw: { width, height, channels: 3 } })
      .jpeg()
      .toBuffer(),
  );
}
