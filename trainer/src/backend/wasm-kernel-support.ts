import "@tensorflow/tfjs-backend-wasm";
import type * as tf from "@tensorflow/tfjs";
import {
  type backend_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs";

/** The parts of tfjs-backend-wasm's BackendWasm that the training kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): backend_util.TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The wasm-heap bookkeeping a kernel needs to alias heap memory as tensor views (tfjs 4.22). */
export interface WasmHeapAccess {
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number } | undefined;
    delete(dataId: object): boolean;
  };
  wasm: { tfjs: { disposeData(id: number): void } };
}

/** What a kernel function receives from the tfjs engine. */
export type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap };

/** Calls a registered wasm kernel directly (as the wasm backend's own kernels call each other). */
export function callWasmKernel(
  backend: WasmBackendLike,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = getKernel(name, "wasm");
  if (!kernel) throw new Error(`wasm backend kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

// Marks our kernel functions so re-registration is detected even across module instances.
const MARK = Symbol.for("marquee.wasmTrainingKernel");

/** Tags a kernel function as Marquee's, so {@link isMarqueeKernel} recognises it. */
export function marked(fn: (args: KernelArgs) => TensorInfo): KernelFunc {
  Object.defineProperty(fn, MARK, { value: true });
  return fn as unknown as KernelFunc;
}

/** Whether the wasm kernel registered under `name` is one of Marquee's. */
export function isMarqueeKernel(name: string): boolean {
  const k = getKernel(name, "wasm");
  return k !== undefined && (k.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

/** Registers `config`, first removing whatever kernel is registered under its name and backend. */
export function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, "wasm")) unregisterKernel(config.kernelName, "wasm");
  registerKernel(config);
}
