// `pnpm predict --model-dir DIR photo.jpg [more.jpg …] [--json] [--top N]`: classify photos with an export.
// The export's metadata.json picks the task (whole-image classes, or every face).
import { fileURLToPath } from "node:url";
import { checkFlags, parsePredictArgs } from "../tasks/flags.ts";
import { taskForMetadata } from "../tasks/registry.ts";
import { runCli } from "./run-cli.ts";

const DEFAULT_MODEL_DIR = fileURLToPath(new URL("../../../models/default", import.meta.url));

async function main(): Promise<number> {
  const parsed = parsePredictArgs(process.argv.slice(2), { defaultModelDir: DEFAULT_MODEL_DIR });
  checkFlags(parsed);
  const { exportDirOf, loadExportedModel, readExportMetadata } = await import("../export/load-model.ts");
  const dir = exportDirOf(parsed.flags.modelDir);
  const task = taskForMetadata(await readExportMetadata(dir), dir);
  const [{ selectBackend }, runner] = await Promise.all([import("../backend/index.ts"), task.load()]);
  await selectBackend(parsed.flags.backend);
  const loaded = await loadExportedModel(dir);
  try {
    return await runner.predict(loaded, parsed.args, { ...parsed.flags, modelDir: dir });
  } finally {
    loaded.model.dispose();
  }
}

runCli(main);
