// `pnpm train --data DIR [--model face|seed-cnn|vgg16] [--out DIR] [options]`: train and export a model.
import { runCli } from "./run-cli.ts";
import { trainMain } from "./train-main.ts";

runCli(() => trainMain(process.argv.slice(2)));
