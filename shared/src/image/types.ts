/** Image formats Marquee recognises by their magic bytes. */
export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "avif";

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
  /** Maximum width × height in megapixels (1e6 pixels). Default 50 MP. */
  maxMegapixels: number;
  /**
   * WebP and GIF are decoded whole by their libraries before being reduced, so they have their own,
   * lower cap (the full RGBA of a 4 MP image is 16 MB). JPEG and PNG stream and only obey `maxMegapixels`.
   * Default 4 MP.
   */
  maxWholeDecodeMegapixels?: number;
}

/** The default {@link DecodeLimits}: 10 MB, 50 MP, 4 MP for formats decoded whole (WebP, GIF). */
export const DEFAULT_DECODE_LIMITS: Readonly<Required<DecodeLimits>> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxMegapixels: 50,
  maxWholeDecodeMegapixels: 4,
});

/** The result of {@link decodeImage}: upright RGB pixels, the header as stored, and the EXIF orientation applied. */
export interface DecodedImage {
  /**
   * Upright (orientation applied), 8-bit RGB, alpha composited on white; reduced by `reduction`
   * when a working size was asked for. Fractions of it are fractions of the original photo.
   */
  image: RgbImage;
  /** The photo's own upright size (what a viewer shows), whatever `image` was reduced to. */
  original: { width: number; height: number };
  /** The integer factor each side was divided by (rounded up): 1 for a full-size decode. */
  reduction: number;
  /** Format and stored dimensions, before rotation (so width/height may be swapped relative to `image`). */
  header: ImageHeader;
  /** The EXIF orientation (1–8) that was applied; 1 when the file had none. */
  orientation: number;
}

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /** Overrides for {@link DEFAULT_DECODE_LIMITS}, checked from the header before decoding. */
  limits?: Partial<DecodeLimits>;
  /**
   * The working size the caller needs, in pixels: the photo is decoded reduced by the smallest
   * integer factor that brings width × height to at most this (JPEG in the DCT domain, PNG row by
   * row), so the full-resolution pixels are never held. Unset: full size.
   */
  maxPixels?: number;
}

/** Compiled wasm modules for the decoders that need them (see `configureWasmDecoders`). */
export interface WasmDecoderModules {
  /** @jsquash/jpeg's `codec/dec/mozjpeg_dec.wasm`. Without it JPEGs decode with jpeg-js (slower). */
  jpeg?: WebAssembly.Module;
  /** @jsquash/webp's `codec/dec/webp_dec.wasm`. Without it WebP is refused as unsupported. */
  webp?: WebAssembly.Module;
  /** @jsquash/avif's `codec/dec/avif_dec.wasm`. Without it AVIF is refused as unsupported. */
  avif?: WebAssembly.Module;
}
