// The package's index registers every wasm kernel and a "wasm" backend whose stock init fetches the
// binary by URL, which workerd cannot do; we replace that backend registration below.
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
// The non-threaded emscripten factory; it loads both the plain and the SIMD binary (CommonJS module).
import wasmFactory from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js";
import * as tf from "@tensorflow/tfjs-core";

/** The emscripten module the factory resolves to, reduced to what we touch. */
interface EmscriptenWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  HEAPU8: Uint8Array;
  tfjs?: Record<string, (...args: number[]) => unknown>;
}

/** Facts about the initialised backend, reported on /health. */
export interface WasmBackendInfo {
  backend: "wasm";
  simd: boolean;
  /** Current size of the wasm linear memory in bytes; it grows and never shrinks. */
  wasmMemoryBytes(): number;
}

const BACKEND_NAME = "wasm";
// Above the stock registration's priority 2, so nothing ever prefers another backend.
const BACKEND_PRIORITY = 3;

let pending: Promise<WasmBackendInfo> | null = null;

/**
 * Initialise tfjs' wasm backend from an already compiled `WebAssembly.Module`, once per isolate.
 * Concurrent callers share one promise; a failed attempt is forgotten so a later call retries.
 *
 * workerd forbids compiling wasm at run time, so the binary must arrive as an imported module.
 *
 * @example
 * import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
 * const info = await initWasmBackend(simd, { simd: true });
 */
export function initWasmBackend(
  module: WebAssembly.Module,
  options: { simd: boolean },
): Promise<WasmBackendInfo> {
  if (!pending) {
    pending = createBackend(module, options.simd).catch((err: unknown) => {
      pending = null;
      throw err;
    });
  }
  return pending;
}

async function createBackend(module: WebAssembly.Module, simd: boolean): Promise<WasmBackendInfo> {
  const emscripten = await instantiateEmscripten(module);
  emscripten.tfjs = buildTfjsBridge(emscripten);
  const backend = new BackendWasm(emscripten as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  if (tf.findBackendFactory(BACKEND_NAME)) tf.removeBackend(BACKEND_NAME);
  tf.registerBackend(BACKEND_NAME, () => backend, BACKEND_PRIORITY);
  const ok = await tf.setBackend(BACKEND_NAME);
  if (!ok) throw new Error("tfjs refused to switch to the wasm backend");
  return {
    backend: BACKEND_NAME,
    simd,
    wasmMemoryBytes: () => emscripten.HEAPU8.buffer.byteLength,
  };
}

/**
 * Run the emscripten factory with an `instantiateWasm` hook that instantiates the given module.
 * Emscripten reports a failed instantiation through an unhandled rejection or `onAbort` rather
 * than rejecting its promise, so we race it against both to make a LinkError fail fast.
 */
function instantiateEmscripten(module: WebAssembly.Module): Promise<EmscriptenWasmModule> {
  return new Promise<EmscriptenWasmModule>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err instanceof Error ? err : new Error(`wasm backend failed to start: ${String(err)}`));
    };
    const config = {
      instantiateWasm(
        imports: WebAssembly.Imports,
        receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) {
        WebAssembly.instantiate(module, imports).then(
          (instance) => receiveInstance(instance, module),
          (err: unknown) => fail(err),
        );
        // Emscripten's contract: an empty object means "instantiation is asynchronous".
        return {};
      },
      onAbort: (reason: unknown) => fail(new Error(`wasm backend aborted: ${String(reason)}`)),
      // Keep emscripten quiet and away from the file system / network.
      locateFile: (path: string) => path,
      print: () => {},
      printErr: () => {},
    };
    const factory = wasmFactory as unknown as (cfg: typeof config) => Promise<EmscriptenWasmModule>;
    factory(config).then(
      (emscripten) => {
        if (settled) return;
        settled = true;
        resolve(emscripten);
      },
      (err: unknown) => fail(err),
    );
  });
}

/** The same `wasm.tfjs` bridge tfjs-backend-wasm 4.22.0's own `init()` attaches (backend_wasm.js). */
function buildTfjsBridge(m: EmscriptenWasmModule): Record<string, (...args: number[]) => unknown> {
  return {
    init: m.cwrap("init", null, []),
    initWithThreadsCount: m.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: m.cwrap("get_threads_count", "number", []),
    registerTensor: m.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: m.cwrap("dispose_data", null, ["number"]),
    dispose: m.cwrap("dispose", null, []),
  };
}
