// `pnpm evaluate --model-dir DIR --data DIR [--json] [--charts OUT]`: score an export on a labelled folder.
import { fileURLToPath } from "node:url";
import { evaluateMain } from "./evaluate-main.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

runCli(() => evaluateMain(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR }));
