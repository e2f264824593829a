import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels } from "./kernels/register-all.ts";

/** What the wasm backend runs with once {@link initWasmBackend} has started it. */
export interface WasmBackendInfo {
  /** Whether the SIMD build (tfjs-backend-wasm-simd.wasm) was loaded. */
  simd: boolean;
  /** Threads XNNPACK uses. Always 1 in Node with tfjs-backend-wasm 4.22, see below. */
  threads: number;
}

/**
 * Starts tfjs' wasm backend in Node with the training kernels registered, and reports its build.
 *
 * In Node, tfjs-backend-wasm 4.22 reads its .wasm from its own dist folder in node_modules (next to
 * the emscripten glue, via __dirname), so no setWasmPaths is needed. It picks the SIMD build when
 * `WASM_HAS_SIMD_SUPPORT` (true on Node ≥ 16). It never picks the threaded build in Node: the
 * `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false there (tfjs issue 3830), so
 * setThreadsCount() has no effect and XNNPACK runs on one thread. Using both cores takes separate
 * worker_threads, each with its own backend.
 */
export async function initWasmBackend(): Promise<WasmBackendInfo> {
  registerWasmTrainingKernels();
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false");
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  return { simd, threads: getThreadsCount() };
}
