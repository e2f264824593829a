/**
 * Wasm heap and time of VGG-16 (17 classes) training steps through the trainer's own step (host Adam,
 * micro-batches when a batch would overflow the heap): where the memory goes, step by step.
 *
 *   npx tsx trainer/bench/vgg16-step-probe.ts [batch=8] [imageSize=224] [steps=3]
 *
 * Prints the Adam state location, the micro-batch size chosen, and per step the loss, ms/img (wall and
 * process CPU; the machine may be shared), the wasm heap size (it never shrinks, so it is the peak) and RSS.
 */
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../src/backend/index.ts";
import { buildArchitecture } from "../src/models/registry.ts";
import { ScheduledAdam } from "../src/train/adam.ts";
import { microBatchSizeFor } from "../src/train/micro-batch.ts";
import { DEFAULT_SCHEDULE } from "../src/train/schedule.ts";
import { trainableVariables, trainStep } from "../src/train/step.ts";

const batch = Number(process.argv[2] ?? 8);
const size = Number(process.argv[3] ?? 224);
const steps = Number(process.argv[4] ?? 3);
await initWasmBackend();
const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20;
const model = buildArchitecture("vgg16", { numClasses: 17, imageSize: size, seed: 1 });
const vars = trainableVariables(model);
const adam = new ScheduledAdam(vars, DEFAULT_SCHEDULE);
console.log(
  `adam state: ${adam.stateLocation}; micro-batch ${microBatchSizeFor(model, batch)} of ${batch}; heap after build ${heap().toFixed(0)} MiB`,
);
const xs = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => (i * 7919) % 255);
const ys = Int32Array.from({ length: batch }, (_, i) => i % 17);
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await trainStep(
    model,
    adam,
    vars,
    { xs, ys },
    { imageSize: size, numClasses: 17, fromLogits: false },
  );
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const cpu = (c.user + c.system) / 1000;
  console.log(
    `step ${s + 1}: loss ${r.loss.toFixed(4)}; ${(wall / batch).toFixed(0)} ms/img wall, ${(cpu / batch).toFixed(0)} ms/img CPU; heap ${heap().toFixed(0)} MiB; rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`,
  );
}
