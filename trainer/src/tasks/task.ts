/**
 * @module
 * What a trainer task is: one kind of model (`image`, `face`) with its own train, evaluate and predict,
 * chosen by the registry from `--model` (training) or metadata.json's `pipeline` (an export). This is the
 * trainer's only seam between the kinds; nothing outside `tasks/` asks which kind a model is.
 */
import type { ModelMetadata } from "@marquee/shared";
import type { LoadedExport } from "../export/load-model.ts";
import type { EvaluateFlags, PredictFlags, TrainFlags } from "./flags.ts";

/** One kind of model the trainer trains and runs. */
export interface TrainerTask {
  /** metadata.json `pipeline` of the models this task exports. */
  pipeline: ModelMetadata["pipeline"];
  /** The `--model` values this task trains. */
  models: readonly string[];
  /** `pnpm train` flags this task honours (attribute names); any other given flag is an error. */
  trainFlags: ReadonlySet<keyof TrainFlags>;
  /** `pnpm evaluate` flags this task honours besides `--model-dir`, `--data` and `--backend`. */
  evaluateFlags: ReadonlySet<keyof EvaluateFlags>;
  /** Checks that need the task (e.g. the architecture's smallest image size); throws `bad_request` naming the flag. */
  validateTrain?(flags: TrainFlags): void;
  /** The task's work; loaded on demand, so a bad flag fails before tfjs, sharp and the rest load. */
  load(): Promise<TaskRunner>;
}

/** What a task does. */
export interface TaskRunner {
  /** `pnpm train`: returns the exit code. Flags are validated; defaults are the task's. */
  train(flags: TrainFlags): Promise<number>;
  /** `pnpm evaluate` on a loaded export of this task; returns the exit code. */
  evaluate(loaded: LoadedExport, flags: EvaluateFlags & { modelDir: string }): Promise<number>;
  /** `pnpm predict` on a loaded export of this task; prints and returns the exit code. */
  predict(
    loaded: LoadedExport,
    photos: string[],
    flags: PredictFlags & { modelDir: string },
  ): Promise<number>;
}
