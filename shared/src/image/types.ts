/** Image formats Marquee recognises by their magic bytes. */
export type ImageFormat = "jpeg" | "png" | "webp" | "gif";

/** What the header says, read without decoding pixels. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * A decoded image: 8-bit RGB, row-major, 3 bytes per pixel, already upright
 * (EXIF orientation applied) and with any alpha composited on white.
 */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Limits checked from the header before any pixel is decoded. */
export interface DecodeLimits {
  /** Maximum encoded size in bytes. Default 10 MB. */
  maxBytes: number;
  /** Maximum width × height in megapixels (1e6 pixels). Default 40 MP. */
  maxMegapixels: number;
}

/** The default {@link DecodeLimits}: 10 MB and 40 MP. */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxMegapixels: 40,
});
