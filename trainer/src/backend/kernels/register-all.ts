import "@tensorflow/tfjs-backend-wasm";
import type { KernelConfig } from "@tensorflow/tfjs";
import { isMarqueeKernel, replaceKernel } from "../wasm-kernel-support.ts";
import { avgPoolGradConfig } from "./avg-pool-grad.ts";
import { batchMatMulConfig } from "./batch-mat-mul.ts";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input.ts";
import { castConfig, identityConfig } from "./identity.ts";
import { maxPoolGradConfig } from "./max-pool-grad.ts";
import { sumConfig } from "./sum.ts";

// Each config is built at registration time: the wrappers look up the stock kernel they fall back to.
const KERNELS: ReadonlyArray<readonly [string, () => KernelConfig]> = [
  ["Conv2DBackpropFilter", conv2dBackpropFilterConfig],
  ["Conv2DBackpropInput", conv2dBackpropInputConfig],
  ["BatchMatMul", batchMatMulConfig],
  ["AvgPoolGrad", avgPoolGradConfig],
  ["Sum", sumConfig],
  ["MaxPoolGrad", maxPoolGradConfig],
  ["Identity", identityConfig],
  ["Cast", castConfig],
];

/**
 * Registers on the wasm backend the kernels that training the seed CNN and VGG-16 needs and
 * tfjs-backend-wasm 4.22 lacks or runs slowly (one file each in this folder):
 * - Conv2DBackpropFilter: missing (the gradient of every conv's weights).
 * - Conv2DBackpropInput: replaced; the stock one is a scalar loop ≈10× slower than the forward conv.
 * - BatchMatMul: wrapped; with transposeA/B set the stock kernel leaves XNNPACK for a scalar loop
 *   (≈7× slower), which is exactly what Dense layers' gradients ask for.
 * - AvgPoolGrad: non-overlapping VALID windows (Keras AveragePooling2D) done in one JS pass.
 * - MaxPoolGrad: replaced; the stock one drops the gradient of windows whose inputs are all < 0.
 * - Sum: reductions over all axes but the last (bias gradients) done in one JS pass.
 * - Identity, and Cast to the same dtype: share the input's data instead of copying it (tfjs clones
 *   every tensor it saves for a gradient).
 * Idempotent. Call after importing "@tensorflow/tfjs-backend-wasm" (this module does) and before
 * or after `tf.setBackend("wasm")`.
 *
 * @example
 * registerWasmTrainingKernels(); await tf.setBackend("wasm"); model.fit(...)
 */
export function registerWasmTrainingKernels(): void {
  for (const [name, config] of KERNELS) if (!isMarqueeKernel(name)) replaceKernel(config());
}
