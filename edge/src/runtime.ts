import { configureWasmDecoders } from "@marquee/shared";
import { fetchWeightSource } from "@marquee/shared/face";
import { type EdgeConfig, readConfig } from "./config.ts";
import type { WorkerEnv } from "./env.ts";
import { FACE_WEIGHTS_FOLDER } from "./model/face-options.ts";
import { ModelStore } from "./model/model-store.ts";
import { initWasmBackend, type WasmBackendInfo } from "./tf/wasm-backend.ts";

/** Compiled wasm modules the bundler hands the worker (workerd cannot compile wasm itself). */
export interface WasmModules {
  tfjsSimd: WebAssembly.Module;
  jpeg?: WebAssembly.Module;
  webp?: WebAssembly.Module;
  avif?: WebAssembly.Module;
}

/** Per-isolate state: the backend, the model and the config, each created on first use. */
export interface EdgeRuntime {
  config(env: WorkerEnv): EdgeConfig;
  backend(): Promise<WasmBackendInfo>;
  models(env: WorkerEnv): ModelStore;
}

/**
 * Build the isolate's runtime. Nothing heavy happens here; the backend and the model are
 * created lazily by the first request that needs them and shared by every later one.
 */
export function createRuntime(wasm: WasmModules): EdgeRuntime {
  configureWasmDecoders({ jpeg: wasm.jpeg, webp: wasm.webp, avif: wasm.avif });
  let store: ModelStore | null = null;
  let storeKey = "";
  return {
    config: (env) => readConfig(env),
    backend: () => initWasmBackend(wasm.tfjsSimd, { simd: true }),
    models(env) {
      const { modelPath, face } = readConfig(env);
      // The assets binding belongs to the env object of a request; the fetch below only uses it
      // for immutable files, so capturing the first env is fine. A changed MODEL_PATH means a new deploy.
      if (!store || storeKey !== modelPath) {
        storeKey = modelPath;
        const base = `https://assets.invalid/${modelPath}/`;
        store = new ModelStore((file) => env.ASSETS.fetch(`${base}${file}`), {
          weights: fetchWeightSource(env.ASSETS, `${base}${FACE_WEIGHTS_FOLDER}/`),
          maxFaces: face.maxFaces,
        });
      }
      return store;
    },
  };
}
