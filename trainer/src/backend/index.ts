/** The trainer's tfjs backends: selection (`--backend`) and the wasm training kernels. */

export { type FilterGradientMethod, setFilterGradientMethod } from "./kernels/conv2d-backprop-filter.ts";
export { registerWasmTrainingKernels } from "./kernels/register-all.ts";
export { type BackendChoice, type BackendRequest, nodeBackendProblem, selectBackend } from "./select.ts";
export { initWasmBackend, type WasmBackendInfo } from "./wasm-node.ts";
