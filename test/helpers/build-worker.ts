// Builds the worker exactly as `wrangler deploy` would (`wrangler deploy --dry-run --outdir`),
// serving the tiny fixture model, once per change of its inputs. Test files running in parallel
// share one build through a lock directory and a content hash.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { makeTinyModel } from "../fixtures/make-tiny-model.ts";
import { CACHE_DIR, REPO_DIR } from "./paths.ts";

const run = promisify(execFile);

/** Where a finished build lives. */
export interface WorkerBuild {
  /** `wrangler deploy --dry-run --outdir` output: index.js and the .wasm modules. */
  bundleDir: string;
  /** A pristine copy of the static assets the build prepared (page + model). */
  assetsDir: string;
  /** The fixture model folder the build serves. */
  modelDir: string;
  /** What wrangler printed, including "Total Upload: … / gzip: …". */
  wranglerOutput: string;
}

// Everything that changes the bundle or its assets.
const INPUTS = ["edge/src", "edge/scripts", "edge/public", "shared/src", "wrangler.toml", "test/fixtures"];

/**
 * Build (or reuse) the worker bundle serving the tiny fixture model, or `options.modelDir`
 * (an exported model folder) when given.
 */
export async function ensureWorkerBuild(options: { modelDir?: string } = {}): Promise<WorkerBuild> {
  const key = await hashInputs(options.modelDir);
  const root = join(CACHE_DIR, `build-${key}`);
  const build: WorkerBuild = {
    bundleDir: join(root, "bundle"),
    assetsDir: join(root, "assets"),
    modelDir: options.modelDir ?? join(root, "model"),
    wranglerOutput: "",
  };
  const done = join(root, "done.json");
  await mkdir(CACHE_DIR, { recursive: true });
  const lock = join(CACHE_DIR, "build.lock");
  await acquireLock(lock);
  try {
    if (await exists(done))
      return { ...build, wranglerOutput: JSON.parse(await readFile(done, "utf8")).output };
    await rm(root, { recursive: true, force: true });
    if (!options.modelDir) await makeTinyModel(build.modelDir);
    const wrangler = join(
      dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
      "bin",
      "wrangler.js",
    );
    const { stdout, stderr } = await run(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", build.bundleDir],
      {
        cwd: REPO_DIR,
        env: { ...process.env, MARQUEE_MODEL_DIR: build.modelDir, WRANGLER_SEND_METRICS: "false", CI: "1" },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    await cp(join(REPO_DIR, "edge", "dist", "assets"), build.assetsDir, { recursive: true });
    const output = `${stdout}\n${stderr}`;
    await writeFile(done, JSON.stringify({ output }));
    await removeStaleBuilds(root);
    return { ...build, wranglerOutput: output };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

// Builds for source trees that no longer exist pile up (each is a few MB); drop those untouched
// for an hour.
async function removeStaleBuilds(keep: string): Promise<void> {
  for (const name of await readdir(CACHE_DIR)) {
    const dir = join(CACHE_DIR, name);
    if (!name.startsWith("build-") || dir === keep) continue;
    const age = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 60 * 60_000) await rm(dir, { recursive: true, force: true });
  }
}

async function hashInputs(modelDir?: string): Promise<string> {
  const hash = createHash("sha256");
  for (const input of modelDir ? [...INPUTS, modelDir] : INPUTS) {
    const path = resolve(REPO_DIR, input);
    if (!(await exists(path))) continue;
    const info = await stat(path);
    const files = info.isDirectory()
      ? (await readdir(path, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name))
          .sort()
      : [path];
    for (const file of files) {
      hash.update(file);
      hash.update(await readFile(file));
    }
  }
  return hash.digest("hex").slice(0, 16);
}

// mkdir is atomic: whoever creates the directory holds the lock. A lock older than 5 minutes is stale.
async function acquireLock(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch {
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5 * 60_000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
