/**
 * Training and inference speed of the seed CNN (17 classes, 224×224) on every tfjs backend,
 * side by side: `pnpm bench train` (or `npx tsx trainer/bench/train-bench.ts --help`).
 *
 * Reports, per backend, the median ms/img of a full training step (forward, backward, Adam
 * update; batch 32) and of inference, both wall-clock and process CPU time. CPU time is shown
 * because the machine may be shared: on one thread it is what the step costs when the core is
 * not contended. GFLOP/s uses the model's analytic FLOPs (forward = 2·MACs of conv and dense
 * layers, training step ≈ 3× forward).
 *
 * The "workers" rows run the trainer's own step (host Adam, Dropout seeded per step) in-process
 * (1 worker) and on a TrainingPool of N worker threads, interleaved step by step so that machine load
 * hits every row alike. `--json` prints one JSON object `{ "rows": [...] }` (wall-clock medians) on
 * stdout and the table on stderr.
 */
import { availableParallelism, loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { Command } from "commander";
import {
  type FilterGradientMethod,
  initWasmBackend,
  nodeBackendProblem,
  selectBackend,
  setFilterGradientMethod,
} from "../src/backend/index.ts";
import { buildArchitecture } from "../src/models/registry.ts";
import { ScheduledAdam } from "../src/train/adam.ts";
import { threadCpuMs } from "../src/train/parallel/thread-cpu.ts";
import { TrainingPool } from "../src/train/parallel/training-pool.ts";
import { DEFAULT_SCHEDULE } from "../src/train/schedule.ts";
import { seedDropout, trainableVariables, trainStep } from "../src/train/step.ts";

const CLASSES = 17;
const SIZE = 224;

/** The tutorial's CNN, layer for layer (the official definition lives in src/models/). */
function seedCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.rescaling({ scale: 1 / 255, inputShape: [SIZE, SIZE, 3] }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: "relu" }));
  m.add(tf.layers.dense({ units: CLASSES }));
  m.compile({
    optimizer: tf.train.adam(1e-4),
    loss: (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p),
    metrics: ["accuracy"],
  });
  return m;
}

/** Forward FLOPs per image: 2·MACs of every Conv2D and Dense layer (pooling, activations ignored). */
function forwardFlopsPerImage(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as number[];
    if (cls === "Conv2D") {
      const [kh, kw, ci, co] = (layer.getWeights()[0] as tf.Tensor).shape as number[];
      flops +=
        2 *
        (out[1] as number) *
        (out[2] as number) *
        (kh as number) *
        (kw as number) *
        (ci as number) *
        (co as number);
    } else if (cls === "Dense") {
      const [inUnits, outUnits] = (layer.getWeights()[0] as tf.Tensor).shape as number[];
      flops += 2 * (inUnits as number) * (outUnits as number);
    }
  }
  return flops;
}

interface Timing {
  wallMsPerImg: number;
  cpuMsPerImg: number;
  /**
   * Trainer-step rows: the step's critical path in thread CPU time (main thread's own work + slowest
   * worker shard + slowest update slice), i.e. its wall time if every thread had a core to itself.
   */
  criticalMsPerImg?: number;
  steps: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function measure(
  run: () => Promise<void>,
  warmup: number,
  steps: number,
  batch: number,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / batch);
    cpu.push((c.user + c.system) / 1000 / batch);
  }
  return { wallMsPerImg: median(wall), cpuMsPerImg: median(cpu), steps };
}

interface Row {
  backend: string;
  /** Worker threads (1 = in-process). */
  workers?: number;
  status: string;
  /** Forward FLOPs per image when the row is not the seed CNN's. */
  fwdFlops?: number;
  train?: Timing;
  infer?: Timing;
  note?: string;
}

async function benchBackend(label: string, batch: number, warmup: number, steps: number): Promise<Row> {
  const model = seedCnn();
  const x = tf.randomUniform([batch, SIZE, SIZE, 3], 0, 255);
  const y = tf.oneHot(tf.randomUniform([batch], 0, CLASSES, "int32") as tf.Tensor1D, CLASSES);
  try {
    const train = await measure(
      async () => {
        await model.trainOnBatch(x, y);
      },
      warmup,
      steps,
      batch,
    );
    const infer = await measure(
      async () => {
        const p = model.predict(x) as tf.Tensor;
        await p.data();
        p.dispose();
      },
      warmup,
      steps,
      batch,
    );
    // Progress for long runs (the cpu row takes many minutes); the table comes at the end.
    console.error(
      `  ${label}: train ${train.wallMsPerImg.toFixed(1)} ms/img wall, ${train.cpuMsPerImg.toFixed(1)} CPU; ` +
        `infer ${infer.wallMsPerImg.toFixed(1)} wall, ${infer.cpuMsPerImg.toFixed(1)} CPU`,
    );
    return { backend: label, status: "ok", train, infer };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/**
 * The trainer's step on `counts` worker configurations side by side: 1 = in-process trainStep, N > 1 =
 * a TrainingPool of N workers. Steps (and inference batches) are interleaved across configurations.
 */
async function benchWorkers(
  modelName: "seed-cnn" | "vgg16",
  counts: number[],
  batch: number,
  warmup: number,
  steps: number,
  label: string,
): Promise<Row[]> {
  const model = buildArchitecture(modelName, { numClasses: CLASSES, imageSize: SIZE, seed: 1 });
  const variables = trainableVariables(model);
  const fwdFlops = forwardFlopsPerImage(model);
  const xs = Float32Array.from({ length: batch * SIZE * SIZE * 3 }, (_, i) => (i * 7919) % 255);
  const ys = Int32Array.from({ length: batch }, (_, i) => i % CLASSES);
  const config = { imageSize: SIZE, numClasses: CLASSES, fromLogits: true };
  const shape = [SIZE, SIZE, 3];
  const configs = await Promise.all(
    counts.map(async (workers) => ({
      workers,
      adam: new ScheduledAdam(variables, DEFAULT_SCHEDULE, undefined, "host"),
      pool: workers > 1 ? await TrainingPool.start(model, workers) : null,
      train: { wall: [] as number[], cpu: [] as number[], critical: [] as number[] },
      infer: { wall: [] as number[], cpu: [] as number[], critical: [] as number[] },
    })),
  );
  const x = tf.tensor(xs, [batch, ...shape]);
  const timed = async (
    into: { wall: number[]; cpu: number[]; critical: number[] },
    keep: boolean,
    fn: () => Promise<unknown>,
    pool?: TrainingPool | null,
  ) => {
    const c0 = process.cpuUsage();
    const thread0 = threadCpuMs();
    const t0 = performance.now();
    await fn();
    const c = process.cpuUsage(c0);
    const thread = thread0 === null ? null : threadCpuMs()! - thread0;
    if (!keep) return;
    into.wall.push((performance.now() - t0) / batch);
    into.cpu.push((c.user + c.system) / 1000 / batch);
    // In-process: the main thread is the whole step; pool: main + slowest shard + slowest update.
    const critical = pool === undefined ? null : pool ? (pool.lastStepCpu?.criticalMs ?? null) : thread;
    if (critical !== null) into.critical.push(critical / batch);
  };
  try {
    for (let i = 0; i < warmup + steps; i++) {
      for (const c of configs) {
        seedDropout(model, { run: 1, epoch: 0, step: i });
        await timed(
          c.train,
          i >= warmup,
          () =>
            c.pool
              ? c.pool.trainStep(model, c.adam, variables, { xs, ys }, config)
              : trainStep(model, c.adam, variables, { xs, ys }, config),
          c.pool,
        );
      }
      console.error(
        `  ${label} step ${i + 1}/${warmup + steps}: ${configs.map((c) => `${c.workers}w ${(c.train.wall.at(-1) ?? 0).toFixed(1)}`).join(", ")} ms/img`,
      );
    }
    seedDropout(model, null);
    for (let i = 0; i < warmup + steps; i++) {
      for (const c of configs) {
        await timed(c.infer, i >= warmup, async () => {
          if (c.pool) return c.pool.predict(xs, shape, variables);
          const p = model.predict(x) as tf.Tensor;
          await p.data();
          p.dispose();
        });
      }
    }
    return configs.map((c) => ({
      backend: label,
      workers: c.workers,
      status: "ok",
      fwdFlops,
      train: {
        wallMsPerImg: median(c.train.wall),
        cpuMsPerImg: median(c.train.cpu),
        ...(c.train.critical.length ? { criticalMsPerImg: median(c.train.critical) } : {}),
        steps,
      },
      infer: { wallMsPerImg: median(c.infer.wall), cpuMsPerImg: median(c.infer.cpu), steps },
      note: `${modelName}, ${c.workers} worker${c.workers === 1 ? " (in-process)" : "s"}`,
    }));
  } finally {
    x.dispose();
    for (const c of configs) {
      c.adam.dispose();
      await c.pool?.close();
    }
    model.dispose();
  }
}

/** The `--json` rows: wall-clock medians, GFLOP/s from wall time (what N workers deliver together). */
function jsonRows(rows: Row[], fwdFlops: number) {
  return rows
    .filter((r) => r.status === "ok" && r.train && r.infer)
    .map((r) => {
      const fwd = r.fwdFlops ?? fwdFlops;
      const round = (v: number) => Math.round(v * 1000) / 1000;
      return {
        backend: r.backend,
        workers: r.workers ?? 1,
        trainMsPerImg: round(r.train!.wallMsPerImg),
        inferMsPerImg: round(r.infer!.wallMsPerImg),
        trainGflops: round((3 * fwd) / (r.train!.wallMsPerImg * 1e6)),
        ...(r.train!.criticalMsPerImg === undefined
          ? {}
          : { trainCriticalPathMsPerImg: round(r.train!.criticalMsPerImg) }),
        trainCpuMsPerImg: round(r.train!.cpuMsPerImg),
        inferGflops: round(fwd / (r.infer!.wallMsPerImg * 1e6)),
        ...(r.note ? { note: r.note } : {}),
      };
    });
}

const fmt = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(v < 1 ? 3 : 1));

function printTable(rows: Row[], fwdFlops: number, batch: number, print: (line: string) => void): void {
  const console = { log: print };
  const header = [
    "backend",
    "workers",
    "train ms/img (wall)",
    "train ms/img (CPU)",
    "train ms/img (critical path)",
    "train GFLOP/s (CPU)",
    "infer ms/img (wall)",
    "infer ms/img (CPU)",
    "infer GFLOP/s (CPU)",
    "steps",
  ];
  const lines = rows.map((r) => {
    const rowFwd = r.fwdFlops ?? fwdFlops;
    const rowTrain = 3 * rowFwd;
    return r.status !== "ok"
      ? [r.backend, "—", r.status.split(":")[0] as string, "—", "—", "—", "—", "—", "—", "0"]
      : [
          r.backend,
          String(r.workers ?? 1),
          fmt(r.train?.wallMsPerImg),
          fmt(r.train?.cpuMsPerImg),
          fmt(r.train?.criticalMsPerImg),
          fmt(r.train ? rowTrain / (r.train.cpuMsPerImg * 1e6) : undefined),
          fmt(r.infer?.wallMsPerImg),
          fmt(r.infer?.cpuMsPerImg),
          fmt(r.infer ? rowFwd / (r.infer.cpuMsPerImg * 1e6) : undefined),
          `${r.train?.steps ?? 0}${r.note ? ` (${r.note})` : ""}`,
        ];
  });
  const trainFlops = 3 * fwdFlops;
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(row(l));
  for (const r of rows.filter((q) => q.status !== "ok")) console.log(`${r.backend}: ${r.status}`);
  console.log(
    `\nseed CNN, ${CLASSES} classes, ${SIZE}×${SIZE}, batch ${batch}. Forward ${(fwdFlops / 1e9).toFixed(3)} GFLOP/img, ` +
      `training step ≈ 3× = ${(trainFlops / 1e9).toFixed(3)} GFLOP/img. Medians after warm-up; ` +
      `GFLOP/s from CPU time (summed over threads); critical path = the step's wall time if each thread had a core (thread CPU: main + slowest shard + slowest update). Load average at end: ${loadavg()
        .map((v) => v.toFixed(1))
        .join(" ")} on ${availableParallelism()} cores.`,
  );
}

const program = new Command("train-bench")
  .description("Seed CNN training-step and inference speed per tfjs backend")
  .option("--batch <n>", "batch size", (v) => Number.parseInt(v, 10), 32)
  .option("--steps <n>", "measured steps per backend (wasm)", (v) => Number.parseInt(v, 10), 5)
  .option("--warmup <n>", "warm-up steps per backend (wasm)", (v) => Number.parseInt(v, 10), 2)
  .option(
    "--cpu-steps <n>",
    "measured steps on the pure-JS cpu backend (no warm-up; 0 skips it)",
    (v) => Number.parseInt(v, 10),
    1,
  )
  .option(
    "--cpu-batch <n>",
    "batch size on the cpu backend (32 takes over 10 CPU-minutes per step)",
    (v) => Number.parseInt(v, 10),
    32,
  )
  .option(
    "--vgg16-batch <n>",
    "also time VGG-16 (134M params) on the worker counts at this batch; minutes per step (0 = skip)",
    (v) => Number.parseInt(v, 10),
    0,
  )
  .option("--dw <methods>", "wasm filter-gradient methods to compare: taps,im2col,conv", "taps,im2col,conv")
  .option("--workers <counts>", "worker counts for the trainer-step rows, e.g. 1,2 (default 1 and all cores)")
  .option("--json", "print one JSON object { rows } on stdout (the table goes to stderr)", false);

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    batch: number;
    steps: number;
    warmup: number;
    cpuSteps: number;
    cpuBatch: number;
    dw: string;
    vgg16Batch: number;
    workers?: string;
    json: boolean;
  }>();
  const counts = (opts.workers ?? `1,${Math.max(2, availableParallelism())}`)
    .split(",")
    .map((v) => Number.parseInt(v, 10));
  if (counts.some((c) => !(c >= 1)))
    throw new Error(`--workers wants counts ≥ 1 such as 1,2; got ${opts.workers}`);
  console.error(
    `load average at start: ${loadavg()
      .map((v) => v.toFixed(1))
      .join(" ")}`,
  );
  const rows: Row[] = [];
  for (const which of ["node-gpu", "node"] as const) {
    const problem = nodeBackendProblem(which);
    if (problem) {
      rows.push({ backend: which, status: `unavailable: ${problem}` });
    } else {
      await selectBackend(which);
      rows.push(await benchBackend(which, opts.batch, opts.warmup, opts.steps));
    }
  }
  const wasm = await initWasmBackend();
  const wasmLabel = `wasm (${wasm.simd ? "SIMD" : "no SIMD"}, ${wasm.threads} thread${wasm.threads === 1 ? "" : "s"})`;
  let fwdFlops = 0;
  {
    const probe = seedCnn();
    fwdFlops = forwardFlopsPerImage(probe);
    probe.dispose();
  }
  for (const method of opts.dw.split(",").map((m) => m.trim()) as FilterGradientMethod[]) {
    setFilterGradientMethod(method);
    console.error(`measuring ${wasmLabel}, dW via ${method} …`);
    rows.push(await benchBackend(`${wasmLabel}, dW=${method}`, opts.batch, opts.warmup, opts.steps));
  }
  setFilterGradientMethod("auto");
  console.error(`measuring the trainer's step on ${counts.join(" vs ")} workers, interleaved …`);
  rows.push(...(await benchWorkers("seed-cnn", counts, opts.batch, opts.warmup, opts.steps, "wasm")));
  if (opts.vgg16Batch > 0) {
    console.error(`measuring VGG-16 on ${counts.join(" vs ")} workers, batch ${opts.vgg16Batch} …`);
    rows.push(...(await benchWorkers("vgg16", counts, opts.vgg16Batch, 1, 2, "wasm, VGG-16")));
  }
  if (opts.cpuSteps > 0) {
    await selectBackend("cpu");
    console.error(
      `measuring cpu (pure JS), batch ${opts.cpuBatch}, ${opts.cpuSteps} step(s), no warm-up — this takes minutes …`,
    );
    const row = await benchBackend("cpu (pure JS)", opts.cpuBatch, 0, opts.cpuSteps);
    rows.push({ ...row, note: `no warm-up, batch ${opts.cpuBatch}` });
  } else {
    rows.push({ backend: "cpu (pure JS)", status: "skipped (--cpu-steps 0)" });
  }
  printTable(rows, fwdFlops, opts.batch, opts.json ? (l) => console.error(l) : (l) => console.log(l));
  if (opts.json) console.log(JSON.stringify({ rows: jsonRows(rows, fwdFlops) }));
}

await main();
