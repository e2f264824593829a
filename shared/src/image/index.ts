// Public surface of image sniffing and decoding; re-exported from the package root.
export { decodeImage } from "./decode.ts";
export { AVIF_MAX_MEGAPIXELS } from "./decode-avif.ts";
export type { JpegDecoderChoice } from "./decode-jpeg.ts";
export { readExifOrientation } from "./exif.ts";
export { checkImageLimits, readImageHeader } from "./header.ts";
export { applyOrientation } from "./orientation.ts";
export { sniffImageFormat } from "./sniff.ts";
export { configureWasmDecoders, hasWasmDecoder } from "./wasm-decoders.ts";
export { DEFAULT_WORKING_PIXELS, modelWorkingPixels, reductionFor } from "./working-size.ts";
