/**
 * @module
 * `@marquee/trainer/testing`: small models and examples for tests that need a real but fast training
 * run (the cpu backend is too slow for the real architectures).
 *
 * @example
 * await trainImageModel(options, { ...deps, buildArchitecture: () => tinyModel(3, 16) });
 */
export { TOY_IMAGE, tinyModel, toyExamples } from "./train/test-support.ts";
