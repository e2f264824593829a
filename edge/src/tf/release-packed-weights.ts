// tfjs-backend-wasm hands convolution filters and dense kernels to XNNPACK, which packs its own
// copy of the weights into an operator that tfjs caches per weight tensor (conv2d_impl.cc and
// batch_mat_mul_impl.cc, tfjs 4.22.0). From then on a cache hit never reads the tensor's own data
// again, yet that data stays in the wasm heap: every such weight is held twice. Once the warm-up
// has created every operator, this frees the tensors' original copies.
//
// Safety: only weights whose every use during the warm-up went through a cached XNNPACK operator
// are released (a weight read by any other kernel is kept), and a guard on the engine refuses any
// later call that would miss the cache (a kernel/attribute combination not seen in the warm-up)
// instead of letting it read freed memory. Filters and dense kernels (the big weights) are freed
// right after the call that packed them, during the warm-up itself, so later layers' packed copies
// and activations can reuse their memory. (Moving all weights out to JS memory first and back one
// at a time was tried: the wasm heap reached the same size, so it is not done.) Pinned to tfjs 4.22.0; the parity tests compare the
// results with stock tfjs in Node.
import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";

/** Kernels that run through tfjs' cached XNNPACK convolution operator, and their weight inputs. */
const CONV_KERNELS = new Set(["Conv2D", "FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2D"]);
const CONV_WEIGHT_INPUTS = new Set(["filter", "bias"]);
/** Kernels that run through the cached XNNPACK fully-connected operator (when not transposed, batch 1). */
const MATMUL_KERNELS = new Set(["BatchMatMul", "_FusedMatMul"]);
const MATMUL_WEIGHT_INPUTS = new Set(["b", "bias"]);
/** Kernels that only relabel a tensor's shape (the output shares its data) and never read values. */
const SHAPE_ONLY_KERNELS = new Set(["Reshape", "ExpandDims", "Squeeze", "Identity"]);
/** Inputs freed as soon as they are packed (biases are small and often read by an Add as well). */
const EAGER_INPUTS = new Set(["filter", "b"]);

interface TensorRecord {
  /** Every use so far went through a cached operator. */
  cached: boolean;
  /** The kernel/attribute combinations it was used with (each is one cached operator). */
  signatures: Set<string>;
  released: boolean;
  /** Free as soon as a cached operator has packed it. */
  eager: boolean;
}

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number; dtype: string } | undefined };
  wasm: { _free(pointer: number): void };
}

/** What {@link releasePackedWeights} freed. */
export interface ReleaseReport {
  released: number;
  releasedBytes: number;
  /** Weights kept because some kernel reads them directly. */
  kept: number;
}

type RunKernel = (name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => unknown;

const records = new WeakMap<object, TensorRecord>();
/** Counters for tests and diagnostics. */
export const weightResidencyStats = { released: 0, releasedBytes: 0 };
let installed = false;

/**
 * Start watching how these weight tensors are used. Call before the warm-up pass, then
 * {@link releasePackedWeights} after it. With `eager`, filters and dense kernels are freed as soon
 * as their operator is packed (a later direct read then fails loudly through the guard).
 */
export function watchWeights(weights: readonly tf.Tensor[], options: { eager?: boolean } = {}): void {
  installGuard();
  for (const w of weights) {
    if (!records.has(w.dataId)) {
      records.set(w.dataId, {
        cached: true,
        signatures: new Set(),
        released: false,
        eager: !!options.eager,
      });
    }
  }
}

/**
 * Free the original copy of every watched weight whose uses all went through a cached XNNPACK
 * operator. Only on the wasm backend; elsewhere it does nothing.
 */
export function releasePackedWeights(weights: readonly tf.Tensor[]): ReleaseReport {
  const report: ReleaseReport = { released: 0, releasedBytes: 0, kept: 0 };
  if (tf.getBackend() !== "wasm") return report;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  for (const w of weights) {
    const record = records.get(w.dataId);
    if (!record || record.released) continue;
    const data = backend.dataIdMap.get(w.dataId);
    if (!record.cached || record.signatures.size === 0 || !data || data.dtype !== "float32") {
      report.kept++;
      continue;
    }
    backend.wasm._free(data.memoryOffset);
    // Disposing the tensor later frees this offset again: 0 makes that a no-op.
    data.memoryOffset = 0;
    record.released = true;
    report.released++;
    report.releasedBytes += w.size * 4;
    weightResidencyStats.released++;
    weightResidencyStats.releasedBytes += w.size * 4;
  }
  return report;
}

function installGuard(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const runKernel = engine.runKernel.bind(engine) as RunKernel;
  const guarded: RunKernel = (name, inputs, attrs) => {
    if (SHAPE_ONLY_KERNELS.has(name)) return runKernel(name, inputs, attrs);
    const packed: tf.Tensor[] = [];
    for (const [inputName, tensor] of Object.entries(inputs)) {
      const record = tensor ? records.get(tensor.dataId) : undefined;
      if (!record) continue;
      noteUse(record, name, inputName, inputs, attrs);
      if (record.eager && !record.released && record.cached && EAGER_INPUTS.has(inputName)) {
        packed.push(tensor as tf.Tensor);
      }
    }
    const result = runKernel(name, inputs, attrs);
    if (packed.length > 0) releasePackedWeights(packed);
    return result;
  };
  engine.runKernel = (name, inputs, attrs) => {
    if (MATMUL_KERNELS.has(name) && isLargeWatchedKernel(inputs, attrs)) {
      return unpackedMatMul(inputs, (attrs ?? {}) as Record<string, unknown>);
    }
    return guarded(name, inputs, attrs);
  };
}

/**
 * A watched dense kernel this large is never handed to XNNPACK: packing would need the original
 * and the packed copy at once (the seed CNN's 73728×128 kernel: 2 × 38 MB). Its matMul runs on
 * tfjs' plain blocked loop instead, which reads the kernel in place: `a` is passed transposed with
 * `transposeA`, the one flag that selects that path. Bias and activation are applied as separate
 * ops, because that loop adds the bias (and clamps) once per 48-wide block of the shared dimension
 * (tfjs-backend-wasm 4.22.0 batch_mat_mul_impl.cc), which is wrong whenever it has several blocks.
 */
export const UNPACKED_KERNEL_BYTES = 8 * 1024 * 1024;

function isLargeWatchedKernel(inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap | undefined): boolean {
  const { a, b } = inputs;
  const at = (attrs ?? {}) as Record<string, unknown>;
  if (!a || !b || at.transposeA || at.transposeB || !records.has(b.dataId)) return false;
  return b.size * 4 >= UNPACKED_KERNEL_BYTES && batchOf(a) === 1 && batchOf(b) === 1;
}

function unpackedMatMul(inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor {
  const a = inputs.a as tf.Tensor;
  const b = inputs.b as tf.Tensor;
  return tf.tidy(() => {
    const perm = [...Array(a.rank).keys()];
    [perm[a.rank - 2], perm[a.rank - 1]] = [a.rank - 1, a.rank - 2];
    let y = tf.matMul(tf.transpose(a, perm), b, true, false);
    if (inputs.bias) y = tf.add(y, inputs.bias);
    switch (attrs.activation ?? "linear") {
      case "linear":
        return y;
      case "relu":
        return tf.relu(y);
      case "relu6":
        return tf.relu6(y);
      case "elu":
        return tf.elu(y);
      case "sigmoid":
        return tf.sigmoid(y);
      case "leakyrelu":
        return tf.leakyRelu(y, (attrs.leakyreluAlpha as number | undefined) ?? 0.2);
      case "prelu":
        return tf.prelu(y, inputs.preluActivationWeights as tf.Tensor);
      default:
        throw new MarqueeError("internal_error", `unsupported fused activation ${String(attrs.activation)}`);
    }
  });
}

function noteUse(
  record: TensorRecord,
  kernel: string,
  inputName: string,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap | undefined,
): void {
  const signature = cachedSignature(kernel, inputName, inputs, attrs);
  if (record.released) {
    if (signature === null || !record.signatures.has(signature)) {
      throw new MarqueeError(
        "internal_error",
        `a released weight was used by ${kernel} (${inputName}) in a way the warm-up did not run`,
      );
    }
    return;
  }
  if (signature === null) record.cached = false;
  else record.signatures.add(signature);
}

// The identity of the cached operator this use goes through, or null when the kernel reads the
// tensor's data directly on every call.
function cachedSignature(
  kernel: string,
  inputName: string,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap | undefined,
): string | null {
  const a = (attrs ?? {}) as Record<string, unknown>;
  if (CONV_KERNELS.has(kernel) && CONV_WEIGHT_INPUTS.has(inputName)) {
    // The C++ cache key: pads (fixed by `pad` unless SAME), filter size, strides, dilations,
    // channels, filter and bias ids, activation.
    return JSON.stringify([
      kernel,
      a.strides,
      a.pad,
      a.dilations,
      a.dataFormat,
      a.activation,
      !!inputs.bias,
      ids(inputs),
    ]);
  }
  if (MATMUL_KERNELS.has(kernel) && MATMUL_WEIGHT_INPUTS.has(inputName)) {
    // The C++ kernel takes XNNPACK's cached path only without transposes and with batch 1 on both
    // sides (the product of all but the last two dimensions; 1 for a matrix).
    const xnnPath = !a.transposeA && !a.transposeB && batchOf(inputs.a) === 1 && batchOf(inputs.b) === 1;
    if (!xnnPath || a.activation === "prelu") return null;
    return JSON.stringify([kernel, a.activation, !!inputs.bias, ids(inputs)]);
  }
  return null;
}

function batchOf(tensor: tf.Tensor | undefined): number {
  const shape = tensor?.shape ?? [];
  return shape.slice(0, -2).reduce((n, d) => n * d, 1);
}

// Weight identities by dataId object; a WeakMap keeps a stable number per dataId.
const dataIdNumbers = new WeakMap<object, number>();
let nextNumber = 1;
function ids(inputs: tf.NamedTensorMap): string {
  const parts: string[] = [];
  for (const name of ["filter", "b", "bias"]) {
    const t = inputs[name];
    if (!t) continue;
    let n = dataIdNumbers.get(t.dataId);
    if (n === undefined) {
      n = nextNumber++;
      dataIdNumbers.set(t.dataId, n);
    }
    parts.push(`${name}:${n}`);
  }
  return parts.join(",");
}
