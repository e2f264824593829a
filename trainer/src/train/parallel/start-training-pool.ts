import type * as tf from "@tensorflow/tfjs";
import type { FitReporter } from "../progress.ts";
import { TrainingPool } from "./training-pool.ts";

/**
 * The pool a run trains on, or null to train in-process: null for 1 worker (at most one per image
 * of a batch), and (with a message
 * saying why) on backends other than wasm, whose own kernels are multi-threaded (tfjs-node) or too
 * slow to matter (cpu), or for models the pool cannot replicate. Reports the worker count it uses.
 *
 * @example
 * const pool = await startTrainingPool(model, 2, "wasm", reporter); // "Training on 2 worker threads …"
 */
export async function startTrainingPool(
  model: tf.LayersModel,
  requested: number,
  backend: string,
  reporter: FitReporter,
  batchSize = Number.POSITIVE_INFINITY,
): Promise<TrainingPool | null> {
  // A batch cannot be split into more shards than it has images.
  const workers = Math.min(requested, batchSize);
  if (workers <= 1) return null;
  if (backend !== "wasm") {
    reporter.message(
      `--workers ${workers} applies to the wasm backend only; training in-process on ${backend}.`,
    );
    return null;
  }
  if (model.nonTrainableWeights.length > 0) {
    reporter.message(`--workers ${workers}: this model has non-trainable weights; training in-process.`);
    return null;
  }
  const started = performance.now();
  const pool = await TrainingPool.start(model, workers);
  reporter.message(
    `Training on ${workers} worker threads (data-parallel, wasm; started in ${((performance.now() - started) / 1000).toFixed(1)} s).`,
  );
  return pool;
}
