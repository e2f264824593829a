/**
 * Thread CPU ms of the wasm Conv2DBackpropFilter per seed-CNN layer (batch 32, 224×224), per method,
 * interleaved (thread CPU, so a busy machine shows less than in wall time):
 *
 *   npx tsx trainer/bench/filter-gradient-probe.ts [--batch 32] [--reps 3] [--methods taps,im2col]
 */
import * as tf from "@tensorflow/tfjs";
import { Command } from "commander";
import { type FilterGradientMethod, initWasmBackend, setFilterGradientMethod } from "../src/backend/index.ts";
import { threadCpuMs } from "../src/train/parallel/thread-cpu.ts";

const opts = new Command("filter-gradient-probe")
  .option("--batch <n>", "batch size", (v) => Number.parseInt(v, 10), 32)
  .option("--reps <n>", "repetitions (median)", (v) => Number.parseInt(v, 10), 3)
  .option("--methods <list>", "methods", "taps,im2col")
  .parse()
  .opts<{ batch: number; reps: number; methods: string }>();
await initWasmBackend();
const N = opts.batch;
// [H, W, Ci, Co] of the seed CNN's four 3×3 VALID convolutions at 224×224.
const layers = [
  [224, 224, 3, 16],
  [111, 111, 16, 32],
  [54, 54, 32, 64],
  [26, 26, 64, 128],
] as const;
const methods = opts.methods.split(",") as FilterGradientMethod[];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
console.log(`| layer (x → dy) | ${methods.join(" | ")} |\n|---|${methods.map(() => "---:").join("|")}|`);
for (const [H, W, C, CO] of layers) {
  const x = tf.randomUniform([N, H, W, C]);
  const dy = tf.randomUniform([N, H - 2, W - 2, CO]);
  const ms = new Map<string, number[]>(methods.map((m) => [m, []]));
  for (let r = 0; r < opts.reps + 1; r++) {
    for (const m of methods) {
      setFilterGradientMethod(m);
      const t0 = threadCpuMs() ?? 0;
      const out = tf.engine().runKernel(
        "Conv2DBackpropFilter",
        { x, dy },
        {
          strides: [1, 1],
          pad: "valid",
          dataFormat: "NHWC",
          filterShape: [3, 3, C, CO],
        },
      ) as tf.Tensor;
      await out.data();
      if (r > 0) ms.get(m)!.push((threadCpuMs() ?? 0) - t0);
      out.dispose();
    }
  }
  console.log(
    `| [${N},${H},${W},${C}] → [${N},${H - 2},${W - 2},${CO}] | ${methods.map((m) => median(ms.get(m)!).toFixed(0)).join(" | ")} |`,
  );
  tf.dispose([x, dy]);
}
setFilterGradientMethod("auto");
