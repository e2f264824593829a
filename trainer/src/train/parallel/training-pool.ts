import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { startTsWorkers } from "../../util/start-ts-worker.ts";
import type { ScheduledAdam } from "../adam.ts";
import type { TrainingBatch } from "../data-source.ts";
import { splitBatch } from "../micro-batch.ts";
import { batchShape, type StepResult } from "../step.ts";
import {
  copyFlatToVariables,
  copyVariablesToFlat,
  type FlatLayout,
  flatLayout,
  sharedFloats,
  sliceRanges,
} from "./flat-params.ts";
import type { StepReply, WorkerInit, WorkerReply, WorkerRequest } from "./protocol.ts";
import { threadCpuMs } from "./thread-cpu.ts";

/**
 * Thread CPU times of the last step (ms), null where unavailable: the main thread's own work, and
 * per worker its shard's forward/backward and its slice of the update. `criticalMs` = main + slowest
 * shard + slowest update: the step's wall time if every thread had a core to itself.
 */
export interface StepCpu {
  mainMs: number;
  shardMs: number[];
  updateMs: number[];
  criticalMs: number;
}

/** The default `--workers`: the cores this process may use. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * Data-parallel training on worker threads, each with its own wasm backend and a replica of the
 * model. A step splits the batch into one contiguous shard per worker (shard size ⌈N/workers⌉, as
 * step.ts' micro-batches), each worker writes its shard's gradient to shared memory, then each
 * worker sums the shards' gradients, in shard order, over its own slice of the parameters and
 * applies Adam there, on the one optimiser state (the ScheduledAdam's host moments, which live in
 * SharedArrayBuffers). The main thread's model gets the new weights after every step, for
 * evaluation, checkpoints and export.
 *
 * Determinism: for a given worker count and seed, runs are bit-for-bit identical (fixed shards,
 * fixed summation order; Adam is element-wise). A run with W workers computes exactly what
 * `trainStep` computes with micro-batches of ⌈N/W⌉ (same shards, same Dropout seeds per shard, same
 * float32 summation); so worker counts differ from each other only in how the batch-mean gradient is
 * summed in float32 and, for models with Dropout, in that shard k > 0 draws its masks from its own
 * seed (as micro-batch k does). Without Dropout (VGG-16, `--dropout 0`) the summation order is the
 * only difference.
 *
 * @example
 * const pool = await TrainingPool.start(model, 2);
 * const r = await pool.trainStep(model, optimizer, variables, batch, config); // like step.ts' trainStep
 * await pool.close();
 */
export class TrainingPool {
  private weightsVersion = 0;
  /** dataIds of the main model's variables when the shared weights last matched them. */
  private syncedIds: object[] | null = null;
  private broken: Error | null = null;
  private readonly queues: Promise<unknown>[];
  /** Thread CPU times of the last {@link trainStep}, or null where threads' CPU cannot be read. */
  lastStepCpu: StepCpu | null = null;

  private constructor(
    private readonly workers: Worker[],
    private readonly layout: FlatLayout,
    private readonly weights: Float32Array,
  ) {
    this.queues = workers.map(() => Promise.resolve());
    for (const w of workers) {
      w.on("error", (e) => {
        this.broken ??= new Error(`training worker crashed: ${e.message}`);
      });
    }
  }

  /**
   * Starts `count` workers, each replicating `model` (topology from `model.toJSON()`; weights are
   * sent before the first step). The model must have no non-trainable weights (no BatchNorm).
   */
  static async start(model: tf.LayersModel, count: number): Promise<TrainingPool> {
    if (!(Number.isInteger(count) && count >= 1))
      throw new RangeError(`worker count must be ≥ 1, got ${count}`);
    if (model.nonTrainableWeights.length > 0) {
      throw new Error(
        "parallel training needs a model without non-trainable weights (they would diverge per worker)",
      );
    }
    const variables = model.trainableWeights.map((w) => w.read());
    const layout = flatLayout(variables);
    const weights = sharedFloats(layout.total);
    const grads = Array.from({ length: count }, () => new SharedArrayBuffer(layout.total * 4));
    const modelTopology = model.toJSON(null, true) as string;
    const entry = new URL("./training-worker.ts", import.meta.url);
    const init = Array.from(
      { length: count },
      (_, index): WorkerInit => ({
        index,
        modelTopology,
        memory: { weights: weights.buffer as SharedArrayBuffer, grads, sizes: layout.sizes },
      }),
    );
    let workers: Worker[];
    try {
      workers = await startTsWorkers(entry, init);
    } catch (err) {
      throw new Error(`a training worker failed to start: ${(err as Error)?.message ?? err}`);
    }
    return new TrainingPool(workers, layout, weights);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Sends one request to worker `k` and waits for its reply (one request at a time per worker). */
  private call<T>(k: number, request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    const worker = this.workers[k]!;
    const run = async (): Promise<T> => {
      if (this.broken) throw this.broken;
      return new Promise<T>((resolve, reject) => {
        const onMessage = (reply: WorkerReply) => {
          cleanup();
          if (reply.ok) resolve(reply.value as T);
          else reject(new Error(`training worker ${k}: ${reply.error}`));
        };
        const onFail = (e: Error | number) => {
          cleanup();
          reject(typeof e === "number" ? new Error(`training worker ${k} exited with code ${e}`) : e);
        };
        const cleanup = () => worker.off("message", onMessage).off("error", onFail).off("exit", onFail);
        worker.on("message", onMessage).on("error", onFail).on("exit", onFail);
        worker.postMessage(request, transfer);
      });
    };
    const next = this.queues[k]!.then(run, run);
    this.queues[k] = next.catch(() => {});
    return next;
  }

  /**
   * Puts the main model's weights into shared memory when they changed outside the pool (restore,
   * resume: `assign` gives a variable a new dataId). In-place writes by others are not detected.
   */
  private syncIn(variables: readonly tf.Variable[]): void {
    const ids = variables.map((v) => v.dataId);
    if (this.syncedIds && ids.every((id, i) => id === this.syncedIds![i])) return;
    copyVariablesToFlat(variables, this.weights, this.layout);
    this.weightsVersion++;
    this.syncedIds = ids;
  }

  /**
   * One optimiser step on `batch`, like step.ts' `trainStep` (same arguments, same result), run on the
   * workers. `optimizer` must keep its moments on the host (`new ScheduledAdam(vars, s, o, "host")`).
   * Dropout seeds are read from the main model's layers (set them with `seedDropout` first).
   */
  async trainStep(
    model: tf.LayersModel,
    optimizer: ScheduledAdam,
    variables: tf.Variable[],
    batch: TrainingBatch,
    config: { imageSize: number; numClasses: number; fromLogits: boolean },
  ): Promise<StepResult> {
    const cpu0 = threadCpuMs();
    this.syncIn(variables);
    const total = batch.ys.length;
    const shape = batchShape(batch, config.imageSize);
    const dropoutSeeds = model.layers.map((l) =>
      l.getClassName() === "Dropout" ? ((l as unknown as { seed?: number }).seed ?? null) : null,
    );
    const shards = splitBatch(batch, Math.ceil(total / this.size));
    const replies = await Promise.all(
      shards.map((part, k) => {
        const xs = part.xs.slice();
        const ys = part.ys.slice();
        return this.call<StepReply>(
          k,
          {
            type: "step",
            weightsVersion: this.weightsVersion,
            xs,
            ys,
            shape,
            shard: k,
            total,
            dropoutSeeds,
            numClasses: config.numClasses,
            fromLogits: config.fromLogits,
          },
          [xs.buffer as ArrayBuffer, ys.buffer as ArrayBuffer],
        );
      }),
    );
    const ranges = sliceRanges(this.layout.total, this.size);
    let updateMs: (number | null)[] = [];
    await optimizer.applyWith(async (constants, moments) => {
      updateMs = await Promise.all(
        ranges.map(([lo, hi], k) =>
          this.call<number | null>(k, {
            type: "update",
            lo,
            hi,
            weights: replies.map((r) => r.weight),
            constants,
            moments,
          }),
        ),
      );
    });
    this.weightsVersion++;
    copyFlatToVariables(this.weights, variables, this.layout);
    this.syncedIds = variables.map((v) => v.dataId);
    const cpu1 = threadCpuMs();
    const shardMs = replies.map((r) => r.cpuMs);
    if (cpu0 !== null && cpu1 !== null && [...shardMs, ...updateMs].every((v) => v !== null)) {
      const mainMs = cpu1 - cpu0;
      const s = shardMs as number[];
      const u = updateMs as number[];
      this.lastStepCpu = {
        mainMs,
        shardMs: s,
        updateMs: u,
        criticalMs: mainMs + Math.max(...s) + Math.max(...u),
      };
    }
    let lossSum = 0;
    let correct = 0;
    for (const r of replies) {
      lossSum += r.loss * r.count;
      correct += r.correct;
    }
    return { loss: lossSum / total, correct, count: total };
  }

  /**
   * The model's outputs (inference mode) for `xs` ([N, ...shape] float32), the batch split across the
   * workers, with the weights of the last step or of `variables` when given (e.g. before any step).
   */
  async predict(
    xs: Float32Array,
    shape: readonly number[],
    variables?: readonly tf.Variable[],
  ): Promise<Float32Array> {
    if (variables) this.syncIn(variables);
    const per = shape.reduce((p, q) => p * q, 1);
    const n = xs.length / per;
    const size = Math.ceil(n / this.size);
    const parts: Float32Array[] = [];
    for (let start = 0; start < n; start += size)
      parts.push(xs.slice(start * per, Math.min(n, start + size) * per));
    const outs = await Promise.all(
      parts.map((part, k) =>
        this.call<Float32Array>(
          k,
          { type: "predict", weightsVersion: this.weightsVersion, xs: part, shape: [...shape] },
          [part.buffer as ArrayBuffer],
        ),
      ),
    );
    const out = new Float32Array(outs.reduce((s, o) => s + o.length, 0));
    let at = 0;
    for (const o of outs) {
      out.set(o, at);
      at += o.length;
    }
    return out;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Whether tfjs' active backend is the one the workers run (wasm), so results stay comparable. */
export function poolBackendMatches(): boolean {
  return tf.getBackend() === "wasm";
}
