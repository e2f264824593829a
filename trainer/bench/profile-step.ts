/**
 * Where a seed-CNN training step spends its time on the wasm backend, kernel by kernel:
 *
 *   npx tsx trainer/bench/profile-step.ts [--batch 32] [--size 224] [--steps 3] [--top 12]
 *
 * Runs the trainer's own step (forward, gradients, host Adam) under tf.profile after one warm-up
 * step and prints, per kernel name (and the heaviest name+shape pairs), the median over the
 * profiled steps of the summed kernel wall time, its share of the step, and the step's time
 * outside kernels (JS glue, host Adam, tensor bookkeeping). One thread, as the workers run it.
 */
import * as tf from "@tensorflow/tfjs";
import { Command } from "commander";
import { initWasmBackend } from "../src/backend/index.ts";
import { buildArchitecture } from "../src/models/registry.ts";
import { ScheduledAdam } from "../src/train/adam.ts";
import { threadCpuMs } from "../src/train/parallel/thread-cpu.ts";
import { DEFAULT_SCHEDULE } from "../src/train/schedule.ts";
import { seedDropout, trainableVariables, trainStep } from "../src/train/step.ts";

const opts = new Command("profile-step")
  .option("--batch <n>", "batch size", (v) => Number.parseInt(v, 10), 32)
  .option("--size <n>", "image side", (v) => Number.parseInt(v, 10), 224)
  .option("--steps <n>", "profiled steps", (v) => Number.parseInt(v, 10), 3)
  .option("--top <n>", "rows per table", (v) => Number.parseInt(v, 10), 12)
  .option("--model <name>", "seed-cnn or vgg16", "seed-cnn")
  .parse()
  .opts<{ batch: number; size: number; steps: number; top: number; model: "seed-cnn" | "vgg16" }>();

await initWasmBackend();
const classes = 17;
const model = buildArchitecture(opts.model, { numClasses: classes, imageSize: opts.size, seed: 1 });
const variables = trainableVariables(model);
const adam = new ScheduledAdam(variables, DEFAULT_SCHEDULE);
const xs = Float32Array.from({ length: opts.batch * opts.size * opts.size * 3 }, (_, i) => (i * 7919) % 255);
const ys = Int32Array.from({ length: opts.batch }, (_, i) => i % classes);
const config = { imageSize: opts.size, numClasses: classes, fromLogits: true };
const step = async (k: number) => {
  seedDropout(model, { run: 1, epoch: 0, step: k });
  await trainStep(model, adam, variables, { xs, ys }, config);
};
await step(0);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
const byName = new Map<string, number[]>();
const byShape = new Map<string, number[]>();
const walls: number[] = [];
const cpus: number[] = [];
for (let s = 1; s <= opts.steps; s++) {
  const t0 = performance.now();
  const c0 = threadCpuMs() ?? 0;
  const info = await tf.profile(async () => {
    await step(s);
    return [];
  });
  walls.push(performance.now() - t0);
  cpus.push((threadCpuMs() ?? 0) - c0);
  const names = new Map<string, number>();
  const shapes = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    names.set(k.name, (names.get(k.name) ?? 0) + ms);
    const key = `${k.name} ${k.inputShapes.map((q) => `[${q}]`).join("")}`;
    shapes.set(key, (shapes.get(key) ?? 0) + ms);
  }
  for (const [n, ms] of names) byName.set(n, [...(byName.get(n) ?? []), ms]);
  for (const [n, ms] of shapes) byShape.set(n, [...(byShape.get(n) ?? []), ms]);
}
const wall = median(walls);
const print = (title: string, m: Map<string, number[]>) => {
  const rows = [...m].map(([n, v]) => [n, median(v)] as const).sort((a, b) => b[1] - a[1]);
  const inKernels = rows.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(
    `\n${title} (median of ${opts.steps} steps; step ${wall.toFixed(0)} ms wall, ${median(cpus).toFixed(0)} ms thread CPU, ${inKernels.toFixed(0)} ms in kernels)`,
  );
  console.log("| kernel | ms/step | share |\n|---|---:|---:|");
  for (const [n, ms] of rows.slice(0, opts.top))
    console.log(`| ${n} | ${ms.toFixed(1)} | ${((100 * ms) / wall).toFixed(1)}% |`);
};
print(`${opts.model}, batch ${opts.batch}, ${opts.size}×${opts.size}: kernels by name`, byName);
print("heaviest kernel calls by input shapes", byShape);
adam.dispose();
model.dispose();
