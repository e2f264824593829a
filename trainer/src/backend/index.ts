/** The trainer's tfjs backends: selection (`--backend`) and the wasm training kernels. */
export { type BackendChoice, type BackendRequest, nodeBackendProblem, selectBackend } from "./select.ts";
export { initWasmBackend, type WasmBackendInfo } from "./wasm-node.ts";
export {
  type FilterGradientMethod,
  registerWasmTrainingKernels,
  setFilterGradientMethod,
} from "./wasm-training-kernels.ts";
