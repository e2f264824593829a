import { MarqueeError } from "../errors.ts";
import { readAvifInfo } from "./avif-header.ts";
import { readGifInfo } from "./gif-header.ts";
import { readJpegInfo } from "./jpeg-header.ts";
import { readPngInfo } from "./png-header.ts";
import { describeUnsupportedBytes, sniffImageFormat } from "./sniff.ts";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type ImageHeader } from "./types.ts";
import { readWebpInfo } from "./webp-header.ts";

/**
 * Format and stored dimensions (before EXIF rotation) read from the header alone; no pixel is decoded.
 * Throws `empty_body` for zero bytes, `unsupported_media_type` for anything that is not JPEG, PNG,
 * WebP or GIF, and `corrupt_image` for a header that is broken or cut short.
 *
 * @example
 * const header = readImageHeader(bytes); // { format: "png", width: 640, height: 480 }
 * checkImageLimits(header, bytes.length);
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new MarqueeError("empty_body", "The image is empty (0 bytes).");
  const format = sniffImageFormat(bytes);
  switch (format) {
    case "jpeg": {
      const { width, height } = readJpegInfo(bytes);
      return { format, width, height };
    }
    case "png": {
      const { width, height } = readPngInfo(bytes);
      return { format, width, height };
    }
    case "webp": {
      const { width, height } = readWebpInfo(bytes);
      return { format, width, height };
    }
    case "gif": {
      const { width, height } = readGifInfo(bytes);
      return { format, width, height };
    }
    case "avif": {
      const { width, height } = readAvifInfo(bytes);
      return { format, width, height };
    }
    default:
      throw new MarqueeError("unsupported_media_type", capitalise(describeUnsupportedBytes(bytes)));
  }
}

/**
 * Refuses an image whose encoded size or header dimensions exceed the limits (defaults 10 MB, 50 MP; 4 MP for WebP and GIF, which are decoded whole),
 * with `image_too_large`. Call it after {@link readImageHeader} and before decoding.
 *
 * @example
 * checkImageLimits({ format: "png", width: 30000, height: 30000 }, 120); // throws image_too_large
 */
export function checkImageLimits(
  header: ImageHeader,
  byteLength: number,
  limits?: Partial<DecodeLimits>,
): void {
  const { maxBytes, maxMegapixels, maxWholeDecodeMegapixels } = resolveLimits(limits);
  if (byteLength > maxBytes) {
    throw new MarqueeError(
      "image_too_large",
      `Image is ${formatMegabytes(byteLength)}; the limit is ${formatMegabytes(maxBytes)}.`,
    );
  }
  const megapixels = (header.width * header.height) / 1e6;
  if (megapixels > maxMegapixels) {
    throw new MarqueeError(
      "image_too_large",
      `Image is ${header.width}×${header.height} (${formatOver(megapixels, maxMegapixels)} MP); the limit is ${maxMegapixels} MP.`,
    );
  }
  const whole = header.format === "webp" || header.format === "gif";
  if (whole && megapixels > maxWholeDecodeMegapixels) {
    throw new MarqueeError(
      "image_too_large",
      `${header.format === "webp" ? "WebP" : "GIF"} image is ${header.width}×${header.height} (${formatOver(megapixels, maxWholeDecodeMegapixels)} MP); ` +
        `${header.format === "webp" ? "WebP" : "GIF"} is decoded whole, so its limit is ${maxWholeDecodeMegapixels} MP. Send JPEG or PNG for larger photos.`,
    );
  }
}

/**
 * A size that is over `limit`, printed so it visibly is: one decimal, or as many more (up to 6) as it
 * takes not to round down to the limit ("2.05", never "2 MP; the limit is 2 MP").
 */
function formatOver(value: number, limit: number): string {
  for (let digits = 1; digits <= 6; digits++) {
    const text = value.toFixed(digits).replace(/\.?0+$/, "");
    if (Number(text) > limit) return text;
  }
  return String(value);
}

/** Fills unset limits with {@link DEFAULT_DECODE_LIMITS}. */
export function resolveLimits(limits?: Partial<DecodeLimits>): Required<DecodeLimits> {
  return {
    maxBytes: limits?.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes,
    maxMegapixels: limits?.maxMegapixels ?? DEFAULT_DECODE_LIMITS.maxMegapixels,
    maxWholeDecodeMegapixels:
      limits?.maxWholeDecodeMegapixels ?? DEFAULT_DECODE_LIMITS.maxWholeDecodeMegapixels,
  };
}

function formatMegabytes(bytes: number): string {
  return `${round1(bytes / (1024 * 1024))} MB`;
}

function round1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
