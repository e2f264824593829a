// `pnpm predict --model-dir DIR photo.jpg [more.jpg …] [--json] [--top N]`: classify photos with an export.
// The export's metadata.json picks the task (whole-image classes, or every face).
import { fileURLToPath } from "node:url";
import { selectBackend } from "../backend/index.ts";
import { exportDirOf, loadExportedModel, readExportMetadata } from "../export/load-model.ts";
import { checkFlags, parsePredictArgs } from "../tasks/flags.ts";
import { taskForMetadata } from "../tasks/registry.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

async function main(): Promise<number> {
  const parsed = parsePredictArgs(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR });
  checkFlags(parsed);
  const dir = exportDirOf(parsed.flags.modelDir);
  const task = taskForMetadata(await readExportMetadata(dir), dir);
  await selectBackend(parsed.flags.backend);
  const loaded = await loadExportedModel(dir);
  try {
    return await task.predict(loaded, parsed.args, { ...parsed.flags, modelDir: dir });
  } finally {
    loaded.model.dispose();
  }
}

runCli(main);
