// The trainer-made image model (test/fixtures/make-trained-model.ts), trained once per change of
// the trainer's or shared package's sources and shared by every test file through the cache.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTrainedModel } from "../fixtures/make-trained-model.ts";
import { hashSources, removeStaleEntries, withCacheLock } from "./cache.ts";
import { CACHE_DIR } from "./paths.ts";

// What decides the exported weights: the trainer and shared code (not their tests or docs), the
// versions of their dependencies, and the fixture itself.
const INPUTS = [
  "trainer/src",
  "shared/src",
  "trainer/package.json",
  "pnpm-lock.yaml",
  "test/fixtures/make-trained-model.ts",
];

/**
 * The export folder (`model/`) of the trainer-made shapes model; trains it (~4 s) on first use.
 *
 * @example
 * const modelDir = await ensureTrainedModel(); // …/test/.cache/trained-model-<hash>/run/model
 */
export async function ensureTrainedModel(): Promise<string> {
  const key = await hashSources(INPUTS, (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const workDir = join(CACHE_DIR, `trained-model-${key}`);
  const done = join(workDir, "done.json");
  return withCacheLock("trained-model", async () => {
    const finished = await readFile(done, "utf8").catch(() => null);
    if (finished) return JSON.parse(finished).modelDir as string;
    await rm(workDir, { recursive: true, force: true });
    const modelDir = await makeTrainedModel(workDir);
    await writeFile(done, JSON.stringify({ modelDir }));
    await removeStaleEntries("trained-model-", workDir);
    return modelDir;
  });
}
