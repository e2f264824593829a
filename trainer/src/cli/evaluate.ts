// `pnpm evaluate --model-dir DIR --data DIR [--json] [--charts OUT]`: score an export on a labelled folder.
// The export's metadata.json picks the task; its flags are checked before the weights are loaded.
import { fileURLToPath } from "node:url";
import { selectBackend } from "../backend/index.ts";
import { exportDirOf, loadExportedModel, readExportMetadata } from "../export/load-model.ts";
import { checkFlags, parseEvaluateArgs } from "../tasks/flags.ts";
import { taskForMetadata } from "../tasks/registry.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

async function main(): Promise<number> {
  const parsed = parseEvaluateArgs(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR });
  checkFlags(parsed);
  const dir = exportDirOf(parsed.flags.modelDir);
  const task = taskForMetadata(await readExportMetadata(dir), dir);
  checkFlags(parsed, {
    supported: task.evaluateFlags,
    always: ["modelDir", "data", "backend"],
    task: task.pipeline,
  });
  await selectBackend(parsed.flags.backend);
  const loaded = await loadExportedModel(dir);
  try {
    return await task.evaluate(loaded, { ...parsed.flags, modelDir: dir });
  } finally {
    loaded.model.dispose();
  }
}

runCli(main);
