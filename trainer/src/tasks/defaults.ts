/**
 * @module
 * Every `pnpm train` default, by flag and task, in one place. Each task merges its own once
 * (`{ ...IMAGE_TRAIN_DEFAULTS, ...given }`); commander declares none, so a flag is either given or
 * the task's default. The values come from the library defaults, which the APIs use too.
 */
import { availableParallelism } from "node:os";
import type { BackendRequest } from "../backend/select.ts";
import { FACE_HEAD_TRAINING_DEFAULTS as FACE } from "../face/training-defaults.ts";
import { DEFAULT_TRAINING_OPTIONS as IMAGE } from "../image/options.ts";
import type { TrainFlags } from "./flags.ts";

/**
 * `pnpm train` defaults for image models, by flag: the tutorial's training options
 * (`DEFAULT_TRAINING_OPTIONS`) plus the data side's. Merged once, in the image task's train (image-runner.ts).
 */
export const IMAGE_TRAIN_DEFAULTS = Object.freeze({
  model: IMAGE.model as string,
  epochs: IMAGE.epochs,
  batchSize: IMAGE.batchSize,
  imageSize: 224,
  validationSplit: 0.1,
  seed: IMAGE.seed,
  learningRate: IMAGE.learningRate,
  decaySteps: IMAGE.decaySteps,
  decayRate: IMAGE.decayRate,
  staircase: IMAGE.staircase,
  patience: IMAGE.patience,
  minDelta: IMAGE.minDelta,
  checkpointEvery: IMAGE.checkpointEverySeconds,
  weights: IMAGE.weightDtype,
  fit: IMAGE.fit,
  backend: "auto" as BackendRequest,
  resume: IMAGE.resume,
  charts: IMAGE.charts,
  summary: false as boolean,
  // The API's default is 1 (in-process); the CLI trains on every core (wasm only; see train/parallel).
  workers: availableParallelism(),
  split: "duplicate-aware" as "duplicate-aware" | "random",
} satisfies Partial<TrainFlags>);

/**
 * `pnpm train --model face` defaults, by flag: the head's training options (`FACE_HEAD_TRAINING_DEFAULTS`:
 * lr 1e-2, batch 32) plus the data side's. Merged once, in the face task's train (face-runner.ts).
 */
export const FACE_TRAIN_DEFAULTS = Object.freeze({
  head: FACE.head,
  epochs: FACE.epochs,
  batchSize: FACE.batchSize,
  validationSplit: 0.1,
  seed: FACE.seed,
  learningRate: FACE.learningRate,
  decaySteps: FACE.decaySteps,
  decayRate: FACE.decayRate,
  patience: FACE.patience,
  // The embedder runs on wasm in worker threads; the head trains on this backend in the main thread.
  backend: "wasm" as BackendRequest,
  charts: FACE.charts,
} satisfies Partial<TrainFlags>);

/** `pnpm evaluate --batch-size` for image models. */
export const IMAGE_EVALUATE_BATCH_SIZE = 32;
