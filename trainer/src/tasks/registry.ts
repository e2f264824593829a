/**
 * @module
 * The trainer's tasks, one per kind of model, in the way transformers.js keeps one pipeline per task:
 * `pnpm train` picks one by `--model`, `pnpm evaluate` and `pnpm predict` by the export's metadata.json
 * `pipeline`. Adding a kind of model means adding a task here; the CLIs do not change.
 */
import { MarqueeError, type ModelMetadata } from "@marquee/shared";
import { faceTask } from "./face.ts";
import { imageTask } from "./image.ts";
import type { TrainerTask } from "./task.ts";

/** Every task, in `--model` display order. */
export const TASKS: readonly TrainerTask[] = Object.freeze([imageTask, faceTask]);

/** Every `--model` value, in display order. */
export const TRAINABLE_MODELS: readonly string[] = TASKS.flatMap((t) => t.models);

/**
 * `--model` when none is given: `face`, the model that works for people (the tutorial's seed-cnn
 * reaches about chance on celeb17; see the root README).
 */
export const DEFAULT_MODEL: string = "face";

/**
 * The task that trains `--model name`; throws `bad_request` listing the known names.
 *
 * @example
 * taskForModel("face").pipeline; // "face"
 */
export function taskForModel(name: string): TrainerTask {
  const task = TASKS.find((t) => t.models.includes(name));
  if (!task)
    throw new MarqueeError(
      "bad_request",
      `Unknown --model "${name}"; choose one of: ${TRAINABLE_MODELS.join(", ")}.`,
    );
  return task;
}

/**
 * The task that runs an export, by its metadata.json `pipeline`; throws `bad_request` for a kind the
 * trainer has no task for.
 *
 * @example
 * const task = taskForMetadata(loaded.metadata);
 */
export function taskForMetadata(metadata: Pick<ModelMetadata, "pipeline">, dir = "The model"): TrainerTask {
  const task = TASKS.find((t) => t.pipeline === metadata.pipeline);
  if (!task)
    throw new MarqueeError(
      "bad_request",
      `${dir} holds a "${metadata.pipeline}" model; the trainer runs ${TASKS.map((t) => `"${t.pipeline}"`).join(" and ")} models.`,
    );
  return task;
}
