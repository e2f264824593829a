import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MarqueeError } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { type NamedTensor, readTensorBundle, writeTensorBundle } from "../export/tensor-bundle.ts";
import { recoverDir, writeDirAtomically, writeFileDurable } from "../util/durable-fs.ts";
import type { BestState, EarlyStoppingState, EpochLogs } from "./callbacks.ts";
import type { History } from "./history.ts";

/** Everything besides tensors that a resumed run needs, saved as state.json. */
export interface FitState {
  /** Epoch in progress, or the next to start (0-based). */
  epoch: number;
  /** Batches of `epoch` already trained. */
  batchInEpoch: number;
  /** Running sums over those batches. */
  partial: { lossSum: number; correct: number; count: number; seconds: number; steps: number };
  /** Optimiser updates applied so far. */
  step: number;
  history: History;
  earlyStopping: EarlyStoppingState | null;
  best: BestState;
  /** Set once early stopping fired; a resumed run then trains no further. */
  stoppedEarly: boolean;
}

/** The checkpoint file layout inside a run's checkpoint folder. */
export const CHECKPOINT_DIRS = Object.freeze({ last: "last", best: "best" });

const STATE_FILE = "state.json";
const CHECKPOINT_VERSION = 1;

/** Weights of a model as named tensors in `model.weights` order (views; do not dispose). */
export function modelWeightTensors(model: tf.LayersModel): NamedTensor[] {
  return model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
}

/** Set a model's weights from a bundle, checking names and shapes match. */
export function restoreModelWeights(model: tf.LayersModel, saved: NamedTensor[]): void {
  const weights = model.weights;
  if (saved.length !== weights.length) {
    throw new MarqueeError(
      "invalid_metadata",
      `The checkpoint has ${saved.length} weights; the model has ${weights.length}.`,
    );
  }
  weights.forEach((w, i) => {
    const s = saved[i]!;
    if (s.name !== w.originalName || s.tensor.shape.join() !== w.shape.join()) {
      throw new MarqueeError(
        "invalid_metadata",
        `Checkpoint weight ${s.name} [${s.tensor.shape}] does not match model weight ${w.originalName} [${w.shape}].`,
      );
    }
  });
  model.setWeights(saved.map((s) => s.tensor));
}

/**
 * Save the resume checkpoint (weights, Adam moments, loop state) atomically into `dir/last`.
 * `config` identifies the run (model, labels, seed…); resuming with a different one is refused.
 */
export async function saveResumeCheckpoint(
  dir: string,
  parts: { model: tf.LayersModel; optimizerTensors: NamedTensor[]; state: FitState; config: unknown },
): Promise<void> {
  await writeDirAtomically(join(dir, CHECKPOINT_DIRS.last), async (tmp) => {
    await writeTensorBundle(tmp, "weights", modelWeightTensors(parts.model));
    await writeTensorBundle(tmp, "adam", parts.optimizerTensors);
    // state.json last: its presence marks a complete checkpoint even without the atomic rename.
    await writeFileDurable(
      join(tmp, STATE_FILE),
      JSON.stringify({ version: CHECKPOINT_VERSION, config: parts.config, state: parts.state }),
    );
  });
}

/** A loaded resume checkpoint; the caller disposes the tensors. */
export interface ResumeCheckpoint {
  state: FitState;
  weights: NamedTensor[];
  optimizer: NamedTensor[];
}

/** Whether a resume checkpoint exists under `dir` (after recovering an interrupted replace). */
export async function hasResumeCheckpoint(dir: string): Promise<boolean> {
  await recoverDir(join(dir, CHECKPOINT_DIRS.last));
  try {
    await stat(join(dir, CHECKPOINT_DIRS.last, STATE_FILE));
    return true;
  } catch {
    return false;
  }
}

/** Load `dir/last`; throws `bad_request` if it belongs to a run with a different `config`. */
export async function loadResumeCheckpoint(dir: string, config: unknown): Promise<ResumeCheckpoint> {
  const last = join(dir, CHECKPOINT_DIRS.last);
  await recoverDir(last);
  let saved: { version: number; config: unknown; state: FitState };
  try {
    saved = JSON.parse(await readFile(join(last, STATE_FILE), "utf8"));
  } catch (err) {
    throw new MarqueeError(
      "bad_request",
      `No usable checkpoint to resume in ${last}: ${(err as Error).message}`,
    );
  }
  if (saved.version !== CHECKPOINT_VERSION) {
    throw new MarqueeError(
      "bad_request",
      `Checkpoint ${last} has format ${saved.version}; this trainer reads ${CHECKPOINT_VERSION}.`,
    );
  }
  const want = JSON.stringify(config);
  const have = JSON.stringify(saved.config);
  if (want !== have) {
    throw new MarqueeError(
      "bad_request",
      `Cannot resume: the checkpoint in ${last} is from a different run.\n  checkpoint: ${have}\n  now:        ${want}`,
    );
  }
  return {
    state: saved.state,
    weights: await readTensorBundle(last, "weights"),
    optimizer: await readTensorBundle(last, "adam"),
  };
}

/** Save the best weights (weights only) atomically into `dir/best`, with the epoch and its metrics. */
export async function saveBestWeights(
  dir: string,
  model: tf.LayersModel,
  info: { epoch: number; logs: EpochLogs },
): Promise<void> {
  await writeDirAtomically(join(dir, CHECKPOINT_DIRS.best), async (tmp) => {
    await writeTensorBundle(tmp, "weights", modelWeightTensors(model));
    await writeFileDurable(join(tmp, "best.json"), JSON.stringify(info));
  });
}

/** Load the best weights saved by {@link saveBestWeights}, or null if none were saved. */
export async function loadBestWeights(
  dir: string,
): Promise<{ weights: NamedTensor[]; epoch: number; logs: EpochLogs } | null> {
  const best = join(dir, CHECKPOINT_DIRS.best);
  await recoverDir(best);
  let info: { epoch: number; logs: EpochLogs };
  try {
    info = JSON.parse(await readFile(join(best, "best.json"), "utf8"));
  } catch {
    return null;
  }
  return { ...info, weights: await readTensorBundle(best, "weights") };
}
