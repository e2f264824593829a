import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "../export/tensor-bundle.ts";

// Adam's moments kept out of the training backend's memory. On tfjs' wasm backend every tensor lives
// in one wasm heap (at most 4 GiB in tfjs-backend-wasm 4.22); VGG-16's 134M weights, their gradients
// and two moments, plus the temporaries of a tensor-op update, do not fit in it. Here the moments are
// JS Float32Arrays (wrapped as cpu-backend tensors for checkpoints), and the update reads the
// gradients and rewrites the weights in place through views of the heap: the step allocates nothing
// in wasm.

/** The parts of tfjs-backend-wasm's BackendWasm used to reach tensors' memory (tfjs 4.22.0). */
interface WasmBackendInternals {
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number; shape: number[]; dtype: string } | undefined;
  };
  refCount(dataId: object): number;
  wasm: {
    HEAPU8: Uint8Array;
    tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, offset: number): void };
  };
}

/** The parts of tfjs-backend-cpu's MathBackendCPU used to reach tensors' values. */
interface CpuBackendInternals {
  data: { get(dataId: object): { values: unknown } | undefined };
  refCount(dataId: object): number;
}

function wasmInternals(backend: tf.KernelBackend): WasmBackendInternals | null {
  const b = backend as unknown as Partial<WasmBackendInternals>;
  return b.dataIdMap && b.wasm?.HEAPU8 && b.wasm.tfjs ? (b as WasmBackendInternals) : null;
}

function cpuInternals(backend: tf.KernelBackend): CpuBackendInternals | null {
  const b = backend as unknown as Partial<CpuBackendInternals> & { dataIdMap?: unknown };
  return !b.dataIdMap && b.data && typeof b.data.get === "function" ? (b as CpuBackendInternals) : null;
}

function heapView(wasm: WasmBackendInternals, t: tf.Tensor): Float32Array {
  const info = wasm.dataIdMap.get(t.dataId);
  if (info?.dtype !== "float32") throw new Error("tensor is not a float32 tensor of the wasm backend");
  return new Float32Array(wasm.wasm.HEAPU8.buffer, info.memoryOffset, t.size);
}

/**
 * The float32 values of `t` without copying when the backend allows it (wasm heap view, cpu backend
 * array); a copy otherwise. Read-only use: the view may alias other tensors.
 */
export function readFloats(t: tf.Tensor): Float32Array {
  const backend = tf.backend();
  const wasm = wasmInternals(backend);
  if (wasm?.dataIdMap.get(t.dataId)) return heapView(wasm, t);
  const cpu = cpuInternals(backend);
  const values = cpu?.data.get(t.dataId)?.values;
  if (values instanceof Float32Array && values.length === t.size) return values;
  return t.dataSync() as Float32Array;
}

/**
 * Rewrites a variable's values in place with `update(values)`, where the backend allows it, so no
 * second copy of the variable is ever allocated in the backend:
 * - wasm: `values` is a view of the heap. tfjs-backend-wasm caches XNNPACK operators, holding their own
 *   packed copy of a convolution filter or dense kernel, by tensor id (conv2d_impl.cc,
 *   batch_mat_mul_impl.cc); re-registering the id after the write drops them, so the next forward
 *   pass packs the new values instead of running on stale ones.
 * - cpu: `values` is the backend's own array.
 * - other backends: a copy, assigned back.
 * A variable whose data is shared with another tensor (e.g. just after `setWeights`) is first given
 * its own copy, so the other tensor does not change.
 */
export function updateInPlace(variable: tf.Variable, update: (values: Float32Array) => void): void {
  const backend = tf.backend();
  const wasm = wasmInternals(backend);
  const cpu = wasm ? null : cpuInternals(backend);
  const owner = wasm ?? cpu;
  if (owner && owner.refCount(variable.dataId) > 1) {
    tf.tidy(() => variable.assign(tf.mul(variable, tf.scalar(1))));
  }
  if (wasm) {
    const info = wasm.dataIdMap.get(variable.dataId);
    if (info) {
      update(heapView(wasm, variable));
      wasm.wasm.tfjs.disposeData(info.id);
      wasm.wasm.tfjs.registerTensor(info.id, variable.size, info.memoryOffset);
      return;
    }
  }
  const values = cpu?.data.get(variable.dataId)?.values;
  if (values instanceof Float32Array && values.length === variable.size) {
    update(values);
    return;
  }
  const copy = Float32Array.from(variable.dataSync() as Float32Array);
  update(copy);
  tf.tidy(() => variable.assign(tf.tensor(copy, variable.shape, "float32")));
}

/**
 * Drops the cached XNNPACK operators (and their packed weight copies) of these tensors on the wasm
 * backend; elsewhere does nothing. Called once a step's forward pass is done: the backward pass does
 * not use them, so VGG-16 does not hold a second copy of its 537 MB of weights while its gradients are
 * computed. The next forward pass packs the weights again, as it has to after every update anyway.
 */
export function releaseWeightOperators(tensors: readonly tf.Tensor[]): void {
  const wasm = wasmInternals(tf.backend());
  if (!wasm) return;
  for (const t of tensors) {
    const info = wasm.dataIdMap.get(t.dataId);
    if (!info) continue;
    wasm.wasm.tfjs.disposeData(info.id);
    wasm.wasm.tfjs.registerTensor(info.id, t.size, info.memoryOffset);
  }
}

/** A float32 tensor on the cpu backend whose values are `values` itself (no copy). */
function cpuTensorOver(values: Float32Array, shape: number[]): tf.Tensor {
  const cpu = tf.engine().findBackend("cpu");
  if (!cpu) throw new Error("tfjs' cpu backend is not registered; host Adam keeps its state there");
  return tf.keep(tf.engine().makeTensor(values, shape, "float32", cpu));
}

/**
 * Tensors over host arrays (cpu backend, no copy; `arrays[i]` shaped like `like[i]`), e.g. gradients
 * summed in JS memory, to hand to {@link HostAdamMoments.apply}. The caller disposes them.
 */
export function hostTensors(arrays: readonly Float32Array[], like: readonly tf.Tensor[]): tf.Tensor[] {
  return arrays.map((values, i) => cpuTensorOver(values, like[i]!.shape));
}

/** Hyperparameters of one update, as {@link HostAdamMoments.apply} takes them. */
export interface AdamStepConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** `lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, computed in float64 by the caller. */
  alpha: number;
}

/**
 * Keras' Adam update of `w` in place from the gradient `g`, element by element in float32 (every
 * intermediate rounded with Math.fround, as the backends' float32 kernels round it):
 * `m += (g − m)·(1−β₁)`, `v += (g² − v)·(1−β₂)`, `w −= α·m / (√v + ε)`. All four arrays have the same
 * length; being element-wise, updating disjoint slices (e.g. one per worker thread) gives the same
 * result as one pass.
 */
export function adamUpdate(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: AdamStepConstants,
): void {
  const f = Math.fround;
  const oneMinusBeta1 = f(1 - c.beta1);
  const oneMinusBeta2 = f(1 - c.beta2);
  const alpha = f(c.alpha);
  const epsilon = f(c.epsilon);
  for (let k = 0; k < w.length; k++) {
    const gk = g[k]!;
    const mk = f(m[k]! + f(f(gk - m[k]!) * oneMinusBeta1));
    const vk = f(v[k]! + f(f(f(gk * gk) - v[k]!) * oneMinusBeta2));
    m[k] = mk;
    v[k] = vk;
    w[k] = f(w[k]! - f(f(mk * alpha) / f(f(Math.sqrt(vk)) + epsilon)));
  }
}

/**
 * Adam's first and second moments in JS memory, and Keras' update applied in place to the variables.
 * The arithmetic is ScheduledAdam's tensor update done element by element in float32 (every
 * intermediate rounded with Math.fround, as the backends' float32 kernels round it), so both produce
 * the same weights: `m += (g − m)·(1−β₁)`, `v += (g² − v)·(1−β₂)`, `w −= α·m / (√v + ε)`.
 *
 * @example
 * const moments = new HostAdamMoments(vars);
 * moments.apply(vars, grads, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, alpha });
 */
export class HostAdamMoments {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly tensors: NamedTensor[];

  /** All first moments, flat in variable order, shareable with worker threads (parallel training). */
  readonly mBuffer: SharedArrayBuffer;
  /** All second moments, laid out like {@link mBuffer}. */
  readonly vBuffer: SharedArrayBuffer;

  constructor(variables: readonly tf.Variable[]) {
    // One shared buffer per moment, viewed per variable: worker threads can update slices in place.
    const total = variables.reduce((sum, w) => sum + w.size, 0);
    this.mBuffer = new SharedArrayBuffer(total * 4);
    this.vBuffer = new SharedArrayBuffer(total * 4);
    const views = (buffer: SharedArrayBuffer) => {
      let offset = 0;
      return variables.map((w) => {
        const view = new Float32Array(buffer, offset * 4, w.size);
        offset += w.size;
        return view;
      });
    };
    this.m = views(this.mBuffer);
    this.v = views(this.vBuffer);
    this.tensors = [
      ...this.m.map((values, i) => ({
        name: `adam/m/${i}`,
        tensor: cpuTensorOver(values, variables[i]!.shape),
      })),
      ...this.v.map((values, i) => ({
        name: `adam/v/${i}`,
        tensor: cpuTensorOver(values, variables[i]!.shape),
      })),
    ];
  }

  /** One update of every variable; `grads[i]` belongs to `variables[i]` and is not disposed. */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], c: AdamStepConstants): void {
    variables.forEach((variable, i) => {
      const grad = grads[i];
      if (!grad || !tf.util.arraysEqual(grad.shape, variable.shape)) {
        throw new Error(`gradient ${i} does not match variable ${variable.name}`);
      }
      const g = readFloats(grad);
      const m = this.m[i]!;
      const v = this.v[i]!;
      updateInPlace(variable, (w) => adamUpdate(w, g, m, v, c));
    });
  }

  /** The moments as `adam/m/i`, `adam/v/i` cpu-backend tensors over the live arrays (do not dispose). */
  stateTensors(): NamedTensor[] {
    return this.tensors;
  }

  /** Copy saved moments (any backend) in; throws `invalid_metadata` on a missing or misshapen one. */
  restore(saved: readonly NamedTensor[]): void {
    const byName = new Map(saved.map((t) => [t.name, t.tensor]));
    for (const { name, tensor } of this.tensors) {
      const from = byName.get(name);
      if (!from || !tf.util.arraysEqual(from.shape, tensor.shape)) {
        throw new MarqueeError(
          "invalid_metadata",
          `The checkpoint's Adam state does not fit the model (${name}).`,
        );
      }
    }
    const load = (kind: "m" | "v", arrays: Float32Array[]) =>
      arrays.forEach((values, i) => {
        values.set(readFloats(byName.get(`adam/${kind}/${i}`)!));
      });
    load("m", this.m);
    load("v", this.v);
  }

  dispose(): void {
    for (const { tensor } of this.tensors) tensor.dispose();
  }
}
