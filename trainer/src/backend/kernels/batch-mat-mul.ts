// BatchMatMul on the wasm backend: with transposeA/B set, tfjs-backend-wasm 4.22 leaves XNNPACK for a
// scalar loop (≈7× slower), which is exactly what Dense layers' gradients ask for.
import { getKernel, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs";
import { marked, type WasmBackendLike } from "../wasm-kernel-support.ts";

/**
 * Kernel config wrapping the stock BatchMatMul: untransposed products go straight to it; transposed
 * ones are transposed explicitly first (whichever way moves fewer floats) so they run on XNNPACK.
 * Keeps the stock setupFunc: it binds the C function the wrapper ends up calling.
 */
export function batchMatMulConfig(): KernelConfig {
  const stock = getKernel("BatchMatMul", "wasm");
  if (!stock) throw new Error("tfjs-backend-wasm's BatchMatMul kernel is not registered");
  const transposeKernel = getKernel("Transpose", "wasm");
  if (!transposeKernel) throw new Error("tfjs-backend-wasm's Transpose kernel is not registered");
  const stockFunc = stock.kernelFunc;
  const kernelFunc = marked((args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as {
      transposeA: boolean;
      transposeB: boolean;
    };
    if (!transposeA && !transposeB) return stockFunc(args as never) as TensorInfo;
    const backend = args.backend as WasmBackendLike;
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return transposeKernel.kernelFunc({
        inputs: { x: t },
        backend: backend as never,
        attrs: { perm },
      }) as TensorInfo;
    };
    const size = (t: TensorInfo) => t.shape.reduce((p, q) => p * q, 1);
    const rank = Math.max(a.shape.length, b.shape.length);
    const outRows = a.shape[a.shape.length - (transposeA ? 1 : 2)] as number;
    const outCols = b.shape[b.shape.length - (transposeB ? 2 : 1)] as number;
    const batch = Math.max(
      size(a) / (a.shape.at(-1)! * a.shape.at(-2)!),
      size(b) / (b.shape.at(-1)! * b.shape.at(-2)!),
    );
    // Two ways to reach op(a)·op(b) with no transposed operand: transpose the flagged inputs, or
    // compute (op(b)ᵀ·op(a)ᵀ)ᵀ, which transposes the unflagged inputs and the output. Pick the
    // one that moves fewer floats (for Dense dx = dy·Wᵀ the second avoids transposing W).
    const directCost = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    const swappedCost = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + batch * outRows * outCols;
    const run = (x: TensorInfo, y: TensorInfo) =>
      stockFunc({
        inputs: { a: x, b: y },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      } as never) as TensorInfo;
    if (directCost <= swappedCost || a.shape.length !== b.shape.length || rank > 3) {
      const a2 = transposeA ? swapLast(a) : a;
      const b2 = transposeB ? swapLast(b) : b;
      const out = run(a2, b2);
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
      return out;
    }
    const a2 = transposeA ? a : swapLast(a);
    const b2 = transposeB ? b : swapLast(b);
    const outT = run(b2, a2);
    if (a2 !== a) backend.disposeData(a2.dataId);
    if (b2 !== b) backend.disposeData(b2.dataId);
    const out = swapLast(outT);
    backend.disposeData(outT.dataId);
    return out;
  });
  return { ...stock, kernelFunc };
}
