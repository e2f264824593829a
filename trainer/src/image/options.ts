import type { WeightDtype } from "../export/quantize.ts";
import type { ModelName } from "../models/catalog.ts";
import { DEFAULT_ADAM } from "../train/adam-options.ts";
import type { MonitoredMetric } from "../train/callbacks.ts";
import { DEFAULT_SCHEDULE } from "../train/schedule.ts";

/** Every training setting; the CLI maps its flags onto this. Defaults are the tutorial's. */
export interface TrainingOptions {
  /** Architecture (`--model`). */
  model: ModelName;
  /** Run folder: checkpoints/, model/ (the export), history.json, evaluation.json, charts. */
  outDir: string;
  /** Export folder; default `<outDir>/model`. */
  exportDir?: string;
  /** metadata.json `name`, e.g. the data folder's name. */
  name: string;
  epochs: number;
  batchSize: number;
  /** Seeds initial weights, dropout and (through the data side) the split and shuffling. */
  seed: number;
  learningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Override the architecture's dropout rate (seed-cnn 0.5, vgg16 0). */
  dropout?: number;
  /** Metric for best-weights checkpointing and early stopping. */
  monitor: MonitoredMetric;
  /** Early-stopping patience in epochs; 0 disables early stopping. */
  patience: number;
  minDelta: number;
  /** Save a mid-epoch resume checkpoint at most this often; 0 = only at epoch ends. */
  checkpointEverySeconds: number;
  /** Continue the run in `outDir` from its last checkpoint. */
  resume: boolean;
  /** Weight storage of the export; tfjs dequantises uint8/float16 on load. */
  weightDtype: WeightDtype;
  /** How photos are fitted to the square input; must match what the data side cached. */
  fit: "stretch" | "centerCrop";
  /** Write curves / confusion matrix / per-class PNGs. */
  charts: boolean;
  /** Print the Keras-style model summary before training (as the tutorial does). */
  printSummary: boolean;
  /**
   * Worker threads for data-parallel steps on the wasm backend (train/parallel); 1 = in-process.
   * Results are reproducible for a given count; counts differ by float summation order (see README).
   */
  workers: number;
}

/** The tutorial's settings; `outDir` and `name` must still be given. */
export const DEFAULT_TRAINING_OPTIONS: Omit<TrainingOptions, "outDir" | "name"> = Object.freeze({
  model: "seed-cnn",
  epochs: 100,
  batchSize: 32,
  seed: 123,
  learningRate: DEFAULT_SCHEDULE.initialLearningRate,
  decaySteps: DEFAULT_SCHEDULE.decaySteps,
  decayRate: DEFAULT_SCHEDULE.decayRate,
  staircase: DEFAULT_SCHEDULE.staircase,
  beta1: DEFAULT_ADAM.beta1,
  beta2: DEFAULT_ADAM.beta2,
  epsilon: DEFAULT_ADAM.epsilon,
  monitor: "val_accuracy",
  patience: 20,
  minDelta: 0.001,
  checkpointEverySeconds: 300,
  resume: false,
  weightDtype: "float32",
  fit: "stretch",
  charts: true,
  printSummary: true,
  workers: 1,
});

/** Fill unspecified options with {@link DEFAULT_TRAINING_OPTIONS}. */
export function resolveTrainingOptions(
  options: Partial<TrainingOptions> & Pick<TrainingOptions, "outDir" | "name">,
): TrainingOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_TRAINING_OPTIONS, ...defined } as TrainingOptions;
}
