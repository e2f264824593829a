/**
 * `@marquee/shared/testing`: generators of hostile images (decompression bombs, header tricks) for
 * the decoder tests and the worker's fuzz corpus. Test-only: the worker never imports it.
 *
 * @module
 */
export * from "./image/hostile-images.ts";
