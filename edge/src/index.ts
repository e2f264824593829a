// Worker entry: hands the bundler-compiled wasm modules to the app. Everything else lives in
// modules that also load in Node, where .wasm imports are not available.
import avifWasm from "@jsquash/avif/codec/dec/avif_dec.wasm";
import jpegWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import webpWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import tfjsSimdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import { createApp } from "./app.ts";
import { createRuntime } from "./runtime.ts";

export default createApp(
  createRuntime({ tfjsSimd: tfjsSimdWasm, jpeg: jpegWasm, webp: webpWasm, avif: avifWasm }),
);

// Each gallery is one of these Durable Objects (wrangler.toml `durable_objects`, `new_sqlite_classes`).
export { GalleryObject } from "./gallery/gallery-object.ts";
