// What `pnpm train` does: flags and paths are parsed and checked here, before any work; the task
// chosen by --model does the rest. The entry point is train.ts.
import { MarqueeError } from "@marquee/shared";
import { checkTrainPaths } from "../tasks/check-paths.ts";
import { checkFlags, parseTrainArgs } from "../tasks/flags.ts";
import { DEFAULT_MODEL, TRAINABLE_MODELS, taskForModel } from "../tasks/registry.ts";
import { runNames } from "../tasks/run-names.ts";

/**
 * `pnpm train` with these arguments (without node and script); returns the exit code.
 *
 * @example
 * process.exitCode = await trainMain(["--data", "photos", "--epochs", "5"]);
 */
export async function trainMain(argv: readonly string[]): Promise<number> {
  const parsed = parseTrainArgs(argv, { models: TRAINABLE_MODELS, defaultModel: DEFAULT_MODEL });
  const task = taskForModel(parsed.flags.model);
  checkFlags(parsed, { supported: task.trainFlags, task: task.pipeline });
  task.validateTrain?.(parsed.flags);
  const f = parsed.flags;
  if (f.validationData !== undefined && f.validationSplit !== undefined)
    throw new MarqueeError(
      "bad_request",
      "--validation-split and --validation-data both choose the validation set; give one of them.",
    );
  if (f.data !== undefined) checkTrainPaths(f, runNames({ data: f.data, model: f.model, out: f.out }).outDir);
  // Before tfjs and the rest load (about a second), so the run answers at once.
  if (!f.summary) console.log(`Training a ${f.model} model on ${f.data}…`);
  return (await task.load()).train(f);
}
