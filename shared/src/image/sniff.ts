import { isAvif } from "./avif-header.ts";
import { ascii } from "./latin1.ts";
import type { ImageFormat } from "./types.ts";

/**
 * The image format named by the first bytes, or null when they are not a format Marquee decodes.
 * File names and Content-Type are never consulted: they lie more often than magic bytes do.
 *
 * @example
 * sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // "jpeg"
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return "webp";
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a")) return "gif";
  if (isAvif(bytes)) return "avif";
  return null;
}

/** The 8-byte PNG file signature. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A short, human description of bytes that are not a supported image, for error messages,
 * e.g. "BMP is not supported" or "not an image: starts with %PDF".
 */
export function describeUnsupportedBytes(bytes: Uint8Array): string {
  const known = recogniseOtherFormat(bytes);
  if (known === "HEIC/HEIF") return HEIC_ADVICE;
  if (known) return `${known} is not supported; send JPEG, PNG, WebP, GIF or AVIF`;
  return `not an image: starts with ${printablePrefix(bytes)}`;
}

// iPhones save HEIC by default. No HEVC decoder with a licence Marquee can ship fits the worker, so say how to convert.
const HEIC_ADVICE =
  "HEIC/HEIF is not supported; send JPEG, PNG, WebP, GIF or AVIF. Convert it first: on a Mac " +
  "`sips -s format jpeg photo.heic --out photo.jpg`, on Linux `heif-convert photo.heic photo.jpg` " +
  "(package libheif-examples), or on the iPhone set Settings → Camera → Formats → Most Compatible; " +
  "Safari converts it for you when you use the web page";

function recogniseOtherFormat(bytes: Uint8Array): string | null {
  if (ascii(bytes, 0, 2) === "BM") return "BMP";
  if (ascii(bytes, 0, 4) === "II*\0" || ascii(bytes, 0, 4) === "MM\0*") return "TIFF";
  if (ascii(bytes, 4, 4) === "ftyp") {
    const brand = ascii(bytes, 8, 4);
    if (brand === "avif" || brand === "avis") return "AVIF";
    if (/^(heic|heix|hevc|hevx|mif1|msf1|heim|heis)$/.test(brand)) return "HEIC/HEIF";
    return `an ISO media file (brand "${brand.replace(/[^\x20-\x7e]/g, "?")}")`;
  }
  if (ascii(bytes, 0, 4) === "RIFF")
    return `a RIFF file of type "${ascii(bytes, 8, 4).replace(/[^\x20-\x7e]/g, "?")}"`;
  if (startsWith(bytes, [0, 0, 1, 0])) return "ICO";
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20]))
    return "JPEG XL";
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return "JPEG 2000";
  if (ascii(bytes, 0, 4) === "8BPS") return "PSD";
  const text = ascii(bytes, 0, 256).trimStart().toLowerCase();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "SVG";
  return null;
}

function printablePrefix(bytes: Uint8Array): string {
  if (bytes.length === 0) return "nothing (0 bytes)";
  const head = bytes.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(ascii(head, 0, head.length)).slice(1, -1);
  return Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
