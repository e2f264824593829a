// Replaces the contents of a served assets folder so that a server running on it never sees a
// missing or empty file (a running `pnpm start` used to answer GET / with 404 until restarted,
// because the folder was deleted and copied again).
//
// Why not build a fresh folder and rename it (or a link to it) over the old one: workerd's disk
// service, which serves the assets in `wrangler dev` and Miniflare, opens the folder once and keeps
// that handle, so it would go on reading the old, deleted folder. So the folder itself stays; the
// new build is written to a sibling staging folder, then each file is renamed over its old path
// (rename(2) replaces a file atomically: a reader opens either the old file or the new one), and
// files the new build no longer has are deleted last. wrangler dev notices the changes and reloads.
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

/**
 * A hash of everything a build reads: each file's path, size and modification time under `paths`
 * (files or folders; missing ones count as absent), plus `extra`.
 *
 * @example
 * const inputs = await hashInputs(["edge/public", "models/default"], "models/default");
 */
export async function hashInputs(paths: string[], extra = ""): Promise<string> {
  const hash = createHash("sha256").update(extra);
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) {
      hash.update(`\0${path}\0absent`);
      continue;
    }
    const files = info.isDirectory() ? await filesUnder(path) : [path];
    for (const file of files) {
      const s = await stat(file);
      hash.update(`\0${file}\0${s.size}\0${s.mtimeMs}`);
    }
  }
  return hash.digest("hex");
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function stampPath(assetsDir: string): string {
  return `${assetsDir}.inputs.json`;
}

/** True when `assetsDir` exists and was last built from inputs hashing to `inputs`. */
export async function assetsUpToDate(assetsDir: string, inputs: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(stampPath(assetsDir), "utf8")) as { inputs?: string };
    return stamp.inputs === inputs && (await stat(assetsDir)).isDirectory();
  } catch {
    return false;
  }
}

/** Records that `assetsDir` now holds a build of `inputs` (read by {@link assetsUpToDate}). */
export async function markAssetsBuilt(assetsDir: string, inputs: string): Promise<void> {
  await writeFile(stampPath(assetsDir), `${JSON.stringify({ inputs })}\n`);
}

/**
 * Build the assets with `build` (given a fresh empty staging folder next to `assetsDir`), then
 * move them into `assetsDir` file by file; returns what `build` returned. A failed build leaves
 * the current assets untouched.
 *
 * @example
 * await replaceAssets("edge/dist/assets", async (dir) => writeFile(join(dir, "index.html"), html));
 */
export async function replaceAssets<T>(assetsDir: string, build: (dir: string) => Promise<T>): Promise<T> {
  // A sibling, so that the renames below stay on one file system.
  const staging = `${assetsDir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const result = await build(staging);
    const current = await lstat(assetsDir).catch(() => null);
    if (!current) {
      await mkdir(dirname(assetsDir), { recursive: true });
      await rename(staging, assetsDir);
      return result;
    }
    if (!current.isDirectory()) await rm(assetsDir, { recursive: true, force: true });
    const fresh = new Set<string>();
    for (const file of await filesUnder(staging)) {
      const rel = relative(staging, file);
      fresh.add(rel);
      const target = join(assetsDir, rel);
      await mkdir(dirname(target), { recursive: true });
      await rename(file, target);
    }
    for (const file of await filesUnder(assetsDir)) {
      if (!fresh.has(relative(assetsDir, file))) await rm(file, { force: true });
    }
    await removeEmptyFolders(assetsDir);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// Deletes folders left empty by files the new build dropped (deepest first), keeping `root`.
async function removeEmptyFolders(root: string): Promise<void> {
  const dirs = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => join(e.parentPath, e.name))
    .sort((a, b) => b.length - a.length);
  for (const dir of dirs) {
    if ((await readdir(dir)).length === 0) await rm(dir, { recursive: true, force: true });
  }
}
