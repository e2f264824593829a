// What `pnpm predict` does: flags, the model folder and the photos are checked before anything heavy
// loads; the export's metadata.json picks the task (whole-image classes, or every face). The entry
// point is predict.ts.
import { resolve } from "node:path";
import { checkFolder, expandPhotos } from "../tasks/check-paths.ts";
import { checkFlags, parsePredictArgs } from "../tasks/flags.ts";
import { shownPath } from "../tasks/next-steps.ts";
import { taskForMetadata } from "../tasks/registry.ts";

/** What `--model-dir` must be, in words. */
export const MODEL_DIR_IS = "an export folder (model.json + metadata.json) or a run folder with model/ in it";

/**
 * `pnpm predict` with these arguments (without node and script); returns the exit code.
 *
 * @example
 * process.exitCode = await predictMain(["photo.jpg", "--top-k", "3"], { defaultModelDir: "models/default" });
 */
export async function predictMain(argv: readonly string[], o: { defaultModelDir: string }): Promise<number> {
  const parsed = parsePredictArgs(argv, { defaultModelDir: o.defaultModelDir });
  checkFlags(parsed);
  checkFolder(parsed.flags.modelDir, "--model-dir", MODEL_DIR_IS);
  const photos = expandPhotos(parsed.args);
  // The first line, before tfjs and the model load (about a second); on stderr, so --json's stdout
  // stays one JSON object.
  const shown = shownPath(resolve(parsed.flags.modelDir));
  process.stderr.write(
    `Loading the model in ${shown} for ${photos.length} photo${photos.length === 1 ? "" : "s"}…\n`,
  );
  const { exportDirOf, loadExportedModel, readExportMetadata } = await import("../export/load-model.ts");
  const dir = exportDirOf(parsed.flags.modelDir);
  const task = taskForMetadata(await readExportMetadata(dir), dir);
  const [{ selectBackend }, runner] = await Promise.all([import("../backend/index.ts"), task.load()]);
  await selectBackend(parsed.flags.backend);
  const loaded = await loadExportedModel(dir);
  try {
    return await runner.predict(loaded, photos, { ...parsed.flags, modelDir: dir });
  } finally {
    loaded.model.dispose();
  }
}
