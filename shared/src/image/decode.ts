import { MarqueeError } from "../errors.ts";
import { readAvifInfo } from "./avif-header.ts";
import { decodeAvif } from "./decode-avif.ts";
import { decodeGifFirstFrame } from "./decode-gif.ts";
import { decodeJpeg, type JpegDecoderChoice } from "./decode-jpeg.ts";
import { decodePng } from "./decode-png.ts";
import { decodeWebp } from "./decode-webp.ts";
import { checkImageLimits, readImageHeader } from "./header.ts";
import { readJpegInfo } from "./jpeg-header.ts";
import { applyOrientation } from "./orientation.ts";
import type { DecodedImage, DecodeOptions, RgbImage } from "./types.ts";
import { readWebpInfo } from "./webp-header.ts";

/**
 * Decodes JPEG, PNG, WebP or GIF (first frame) bytes to upright 8-bit RGB, alpha composited on white.
 * The format comes from magic bytes; size limits are checked from the header before any pixel is decoded.
 * Errors are MarqueeErrors: `empty_body` (0 bytes), `unsupported_media_type`, `image_too_large`, `corrupt_image`.
 *
 * @example
 * const { image, orientation } = await decodeImage(bytes, { limits: { maxMegapixels: 24 } });
 * image.data.length === image.width * image.height * 3; // true
 */
export async function decodeImage(
  bytes: Uint8Array,
  options?: DecodeOptions & { jpegDecoder?: JpegDecoderChoice },
): Promise<DecodedImage> {
  const header = readImageHeader(bytes);
  checkImageLimits(header, bytes.length, options?.limits);
  let stored: RgbImage;
  let orientation = 1;
  switch (header.format) {
    case "jpeg": {
      const info = readJpegInfo(bytes);
      orientation = info.orientation;
      stored = await decodeJpeg(bytes, info, options?.jpegDecoder);
      break;
    }
    case "png":
      stored = decodePng(bytes);
      break;
    case "webp": {
      const info = readWebpInfo(bytes);
      orientation = info.orientation;
      stored = await decodeWebp(bytes, info);
      break;
    }
    case "gif":
      stored = decodeGifFirstFrame(bytes);
      break;
    case "avif": {
      const info = readAvifInfo(bytes);
      orientation = info.orientation;
      stored = await decodeAvif(bytes, info);
      break;
    }
  }
  if (stored.width !== header.width || stored.height !== header.height) {
    throw new MarqueeError(
      "corrupt_image",
      `${header.format.toUpperCase()} header says ${header.width}×${header.height} but the data decoded to ${stored.width}×${stored.height}`,
    );
  }
  return { image: applyOrientation(stored, orientation), header, orientation };
}
