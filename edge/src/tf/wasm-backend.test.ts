import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initWasmBackend } from "./wasm-backend.ts";

// Node stands in for workerd here: the binary is compiled up front and handed over as a
// WebAssembly.Module, exactly the shape wrangler's .wasm import produces.
const wasmDir = join(
  dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")),
  "dist",
);
const compile = async (file: string) => WebAssembly.compile(await readFile(join(wasmDir, file)));

describe("initWasmBackend", () => {
  it("rejects quickly (no hang) when the module does not link, and allows a retry", async () => {
    // A module with an import emscripten does not provide: instantiation fails with a LinkError.
    const bogus = new WebAssembly.Module(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 11, 1, 3, 110, 111, 112, 3, 110, 111, 112, 0, 0,
      ]),
    );
    const started = Date.now();
    await expect(initWasmBackend(bogus, { simd: true })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("registers a working SIMD wasm backend, once, shared by concurrent callers", async () => {
    const simd = await compile("tfjs-backend-wasm-simd.wasm");
    const [a, b] = await Promise.all([
      initWasmBackend(simd, { simd: true }),
      initWasmBackend(simd, { simd: true }),
    ]);
    expect(a).toBe(b);
    expect(await initWasmBackend(simd, { simd: true })).toBe(a);
    expect(tf.getBackend()).toBe("wasm");
    expect(a.simd).toBe(true);
    const product = tf.tidy(() =>
      tf.matMul(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[4], [5], [6]])).dataSync(),
    );
    expect(Array.from(product)).toEqual([32]);
    const conv = tf.tidy(() =>
      tf
        .conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, "valid")
        .dataSync(),
    );
    expect(Array.from(conv)).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    expect(a.wasmMemoryBytes()).toBeGreaterThan(0);
  });
});
