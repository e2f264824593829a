/** The trainer's tfjs backends: selection (`--backend`) and the wasm training kernels. */
export { type BackendChoice, type BackendRequest, selectBackend } from "./select.ts";
export { initWasmBackend, type WasmBackendInfo } from "./wasm-node.ts";
export { registerWasmTrainingKernels } from "./wasm-training-kernels.ts";
