// Builds the worker exactly as `wrangler deploy` would (`wrangler deploy --dry-run --outdir`),
// serving the trainer-made fixture model (or a given export), once per change of its inputs. Test
// files running in parallel share one build through a lock directory and a content hash.
import { execFile } from "node:child_process";
import { readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { hashSources, removeStaleEntries, withCacheLock } from "./cache.ts";
import { CACHE_DIR, REPO_DIR } from "./paths.ts";
import { ensureTrainedModel } from "./trained-model.ts";

const run = promisify(execFile);

/** Where a finished build lives. */
export interface WorkerBuild {
  /** `wrangler deploy --dry-run --outdir` output: index.js and the .wasm modules. */
  bundleDir: string;
  /** The static assets the build prepared (page + model), in the build's own folder (never edge/dist). */
  assetsDir: string;
  /** The fixture model folder the build serves. */
  modelDir: string;
  /** What wrangler printed, including "Total Upload: … / gzip: …". */
  wranglerOutput: string;
}

// Everything that changes the bundle or its assets (besides the model folder).
const INPUTS = ["edge/src", "edge/scripts", "edge/public", "shared/src", "wrangler.toml"];

/**
 * Build (or reuse) the worker bundle serving `options.modelDir` (an exported model folder), by
 * default the trainer-made shapes model ({@link ensureTrainedModel}).
 *
 * @example
 * const build = await ensureWorkerBuild();
 * const worker = await startWorker(build);
 */
export async function ensureWorkerBuild(options: { modelDir?: string } = {}): Promise<WorkerBuild> {
  const modelDir = options.modelDir ?? (await ensureTrainedModel());
  const key = await hashSources([...INPUTS, modelDir]);
  const root = join(CACHE_DIR, `build-${key}`);
  // The build writes its assets here, not into edge/dist/assets, which a `pnpm start` may be serving.
  const assetsLink = join(root, "assets");
  const build: WorkerBuild = {
    bundleDir: join(root, "bundle"),
    assetsDir: assetsLink,
    modelDir,
    wranglerOutput: "",
  };
  const done = join(root, "done.json");
  return withCacheLock("build", async () => {
    if (await exists(done))
      return {
        ...build,
        assetsDir: await realpath(assetsLink),
        wranglerOutput: JSON.parse(await readFile(done, "utf8")).output,
      };
    await rm(root, { recursive: true, force: true });
    const wrangler = join(
      dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
      "bin",
      "wrangler.js",
    );
    const { stdout, stderr } = await run(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", build.bundleDir, "--assets", assetsLink],
      {
        cwd: REPO_DIR,
        env: {
          ...process.env,
          MARQUEE_MODEL_DIR: modelDir,
          MARQUEE_ASSETS_DIR: assetsLink,
          WRANGLER_SEND_METRICS: "false",
          CI: "1",
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const output = `${stdout}\n${stderr}`;
    await writeFile(done, JSON.stringify({ output }));
    // Builds for source trees that no longer exist pile up (each is a few MB).
    await removeStaleEntries("build-", root);
    // A link to the current version (edge/scripts/assets-swap.ts); callers get the real folder.
    return { ...build, assetsDir: await realpath(assetsLink), wranglerOutput: output };
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
