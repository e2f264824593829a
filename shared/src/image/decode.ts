import { readAvifInfo } from "./avif-header.ts";
import { BoxReducer } from "./box-reducer.ts";
import { decodeAvif } from "./decode-avif.ts";
import { decodeGifFirstFrame } from "./decode-gif.ts";
import { decodeJpeg, type JpegDecoderChoice } from "./decode-jpeg.ts";
import { decodePng } from "./decode-png.ts";
import { decodeWebp } from "./decode-webp.ts";
import { checkImageLimits, readImageHeader, resolveLimits } from "./header.ts";
import { readJpegInfo } from "./jpeg-header.ts";
import { applyOrientation } from "./orientation.ts";
import type { DecodedImage, DecodeOptions, RgbImage } from "./types.ts";
import { readWebpInfo } from "./webp-header.ts";
import { reductionFor } from "./working-size.ts";

/**
 * Decodes JPEG, PNG, WebP or GIF (first frame) bytes to upright 8-bit RGB, alpha composited on white.
 * The format comes from magic bytes; size limits are checked from the header before any pixel is decoded.
 * With `maxPixels` (the working size the caller needs) the photo is decoded reduced by an integer
 * factor to at most that many pixels — JPEG in the DCT domain, PNG row by row — so a 50 MP photo
 * never exists at full resolution in memory. Boxes found on `image` as fractions are fractions of
 * the original; `original` gives its size.
 * Errors are MarqueeErrors: `empty_body` (0 bytes), `unsupported_media_type`, `image_too_large`, `corrupt_image`.
 *
 * @example
 * const { image, original } = await decodeImage(bytes, { maxPixels: 2_000_000 });
 * image.data.length === image.width * image.height * 3; // true
 */
export async function decodeImage(
  bytes: Uint8Array,
  options?: DecodeOptions & { jpegDecoder?: JpegDecoderChoice },
): Promise<DecodedImage> {
  const header = readImageHeader(bytes);
  const limits = resolveLimits(options?.limits);
  checkImageLimits(header, bytes.length, limits);
  const reduction = reductionFor(header.width, header.height, options?.maxPixels);
  let stored: RgbImage;
  let orientation = 1;
  switch (header.format) {
    case "jpeg": {
      const info = readJpegInfo(bytes);
      orientation = info.orientation;
      stored = await decodeJpeg(bytes, info, options?.jpegDecoder, reduction);
      break;
    }
    case "png":
      stored = await decodePng(bytes, reduction);
      break;
    case "webp": {
      const info = readWebpInfo(bytes);
      orientation = info.orientation;
      stored = await decodeWebp(bytes, info, reduction);
      break;
    }
    case "gif":
      stored = decodeGifFirstFrame(bytes, limits.maxWholeDecodeMegapixels * 1e6, reduction);
      break;
    case "avif": {
      const info = readAvifInfo(bytes);
      orientation = info.orientation;
      // libavif decodes whole (AVIF has its own small pixel cap); reduce like the other formats.
      stored = reduceWhole(await decodeAvif(bytes, info), reduction);
      break;
    }
  }
  const swap = orientation >= 5 && orientation <= 8;
  return {
    image: applyOrientation(stored, orientation),
    original: swap
      ? { width: header.height, height: header.width }
      : { width: header.width, height: header.height },
    reduction,
    header,
    orientation,
  };
}

// An image decoded whole, reduced by the integer `factor` through the same box filter.
function reduceWhole(image: RgbImage, factor: number): RgbImage {
  if (factor === 1) return image;
  const reducer = new BoxReducer(image.width, image.height, factor);
  for (let y = 0; y < image.height; y++) reducer.addRow(y, image.data, y * image.width * 3);
  return reducer.finish();
}
