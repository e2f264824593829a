// `pnpm evaluate --model-dir DIR --data DIR [--json] [--charts OUT]`: score an export on a labelled folder.
// The export's metadata.json picks the task; its flags are checked before the weights (and tfjs) load.
import { fileURLToPath } from "node:url";
import { checkFlags, parseEvaluateArgs } from "../tasks/flags.ts";
import { taskForMetadata } from "../tasks/registry.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

async function main(): Promise<number> {
  const parsed = parseEvaluateArgs(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR });
  checkFlags(parsed);
  const { exportDirOf, loadExportedModel, readExportMetadata } = await import("../export/load-model.ts");
  const dir = exportDirOf(parsed.flags.modelDir);
  const task = taskForMetadata(await readExportMetadata(dir), dir);
  checkFlags(parsed, {
    supported: task.evaluateFlags,
    always: ["modelDir", "data", "backend"],
    task: task.pipeline,
  });
  const [{ selectBackend }, runner] = await Promise.all([import("../backend/index.ts"), task.load()]);
  await selectBackend(parsed.flags.backend);
  const loaded = await loadExportedModel(dir);
  try {
    return await runner.evaluate(loaded, { ...parsed.flags, modelDir: dir });
  } finally {
    loaded.model.dispose();
  }
}

runCli(main);
