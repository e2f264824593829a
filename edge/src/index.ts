// Worker entry: wires the imported SIMD binary into the app. Kept tiny so everything else can be
// imported and tested in Node without a bundler's .wasm handling.
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import * as tf from "@tensorflow/tfjs-core";
import { initWasmBackend } from "./tf/wasm-backend.ts";

export default {
  async fetch(): Promise<Response> {
    const info = await initWasmBackend(simdWasm, { simd: true });
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync());
    return Response.json({ backend: tf.getBackend(), y: Array.from(y), mem: info.wasmMemoryBytes(), tensors: tf.memory().numTensors });
  },
};
