import type { AdamStepConstants } from "../host-adam.ts";

/** Shared memory a training worker works on (all float32, flat in trainable-variable order). */
export interface SharedTrainingMemory {
  /** The current weights: read by every worker before a step, written slice by slice by the update. */
  weights: SharedArrayBuffer;
  /** Per worker, the gradient of its shard (raw, or pre-weighted when the worker split its shard). */
  grads: SharedArrayBuffer[];
  /** Sizes of the trainable variables, in order. */
  sizes: number[];
}

/** Sent once when a worker starts (as workerData). */
export interface WorkerInit {
  index: number;
  /** `model.toJSON()` of the model to replicate (topology only; weights come through shared memory). */
  modelTopology: string;
  memory: SharedTrainingMemory;
}

/** Forward and backward pass of one shard of a batch. */
export interface StepRequest {
  type: "step";
  /** Version of `memory.weights`; a worker reloads its weights when it differs from the last it loaded. */
  weightsVersion: number;
  xs: Float32Array;
  ys: Int32Array;
  shape: number[];
  /** This shard's position among the batch's shards: shard k > 0 re-derives its Dropout seeds like micro-batch k. */
  shard: number;
  /** Size of the whole batch (the gradient is the batch mean). */
  total: number;
  /** The main model's Dropout seeds for this step, by layer index (null: not a seeded Dropout). */
  dropoutSeeds: (number | null)[];
  numClasses: number;
  fromLogits: boolean;
}

/** What a worker reports after a {@link StepRequest}. */
export interface StepReply {
  /** Mean loss over the shard. */
  loss: number;
  correct: number;
  count: number;
  /** Factor the reduction applies to the worker's gradient buffer: n/total (raw gradient) or 1 (pre-weighted). */
  weight: number;
  /** CPU time of the worker thread on this shard (ms), null where it cannot be read. */
  cpuMs: number | null;
}

/** Sum the shards' gradients and apply Adam to the parameter range [lo, hi); replies its thread CPU ms (or null). */
export interface UpdateRequest {
  type: "update";
  lo: number;
  hi: number;
  /** Per shard that ran this step, in shard order: its worker's gradient weight. */
  weights: number[];
  constants: AdamStepConstants;
  moments: { m: SharedArrayBuffer; v: SharedArrayBuffer };
}

/** Inference on a batch (dropout off); the reply carries the model's outputs. */
export interface PredictRequest {
  type: "predict";
  weightsVersion: number;
  xs: Float32Array;
  shape: number[];
}

/** Any request a training worker answers. */
export type WorkerRequest = StepRequest | UpdateRequest | PredictRequest;

/** A worker's answer: the result, or the error it hit. */
export type WorkerReply = { ok: true; value: unknown } | { ok: false; error: string };
