// What `pnpm evaluate` does: flags and paths are checked before the weights (and tfjs) load; the
// export's metadata.json picks the task. The entry point is evaluate.ts.
import { resolve } from "node:path";
import { checkFolder, checkOutFolder } from "../tasks/check-paths.ts";
import { checkFlags, parseEvaluateArgs } from "../tasks/flags.ts";
import { shownPath } from "../tasks/next-steps.ts";
import { taskForMetadata } from "../tasks/registry.ts";
import { MODEL_DIR_IS } from "./predict-main.ts";

/**
 * `pnpm evaluate` with these arguments (without node and script); returns the exit code.
 *
 * @example
 * process.exitCode = await evaluateMain(["--data", "val"], { defaultModelDir: "models/default" });
 */
export async function evaluateMain(argv: readonly string[], o: { defaultModelDir: string }): Promise<number> {
  const parsed = parseEvaluateArgs(argv, { defaultModelDir: o.defaultModelDir });
  checkFlags(parsed);
  checkFolder(parsed.flags.modelDir, "--model-dir", MODEL_DIR_IS);
  checkFolder(parsed.flags.data, "--data", "a folder with one sub-folder of images per class");
  if (parsed.flags.charts !== undefined) checkOutFolder(parsed.flags.charts, "--charts");
  process.stderr.write(`Loading the model in ${shownPath(resolve(parsed.flags.modelDir))}…\n`);
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
