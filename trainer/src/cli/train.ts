// `pnpm train --data DIR [--model seed-cnn|vgg16|face] [--out DIR] [options]`: the tutorial, end to end.
// Flags are parsed and checked here, before any work; the task chosen by --model does the rest.
import { checkFlags, parseTrainArgs } from "../tasks/flags.ts";
import { DEFAULT_MODEL, TRAINABLE_MODELS, taskForModel } from "../tasks/registry.ts";
import { runCli } from "./run-cli.ts";

async function main(): Promise<number> {
  const parsed = parseTrainArgs(process.argv.slice(2), {
    models: TRAINABLE_MODELS,
    defaultModel: DEFAULT_MODEL,
  });
  const task = taskForModel(parsed.flags.model);
  checkFlags(parsed, { supported: task.trainFlags, task: task.pipeline });
  task.validateTrain?.(parsed.flags);
  return (await task.load()).train(parsed.flags);
}

runCli(main);
