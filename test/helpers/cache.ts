// The test cache's two tools: a content hash of source trees (the cache key) and a lock directory,
// so test files running in parallel generate each fixture once.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CACHE_DIR, REPO_DIR } from "./paths.ts";

/**
 * sha256 (16 hex digits) over the names and bytes of every file under `paths` (relative to the repo
 * root or absolute; missing ones are skipped) for which `include` is true.
 *
 * @example
 * const key = await hashSources(["shared/src", "wrangler.toml"]);
 */
export async function hashSources(
  paths: string[],
  include: (file: string) => boolean = () => true,
): Promise<string> {
  const hash = createHash("sha256");
  for (const input of paths) {
    const path = resolve(REPO_DIR, input);
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    const files = info.isDirectory()
      ? (await readdir(path, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name))
          .filter(include)
          .sort()
      : [path];
    for (const file of files) hash.update(file).update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Run `work` while holding the lock directory `CACHE_DIR/<name>.lock` (mkdir is atomic: whoever
 * creates it holds the lock). A lock older than 5 minutes is taken to be a crashed run's and broken.
 */
export async function withCacheLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  await mkdir(CACHE_DIR, { recursive: true });
  const lock = join(CACHE_DIR, `${name}.lock`);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5 * 60_000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Delete `CACHE_DIR/<prefix>*` entries other than `keep` that nobody touched for an hour. */
export async function removeStaleEntries(prefix: string, keep: string): Promise<void> {
  for (const name of await readdir(CACHE_DIR)) {
    const dir = join(CACHE_DIR, name);
    if (!name.startsWith(prefix) || name.endsWith(".lock") || dir === keep) continue;
    const age = await stat(dir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 60 * 60_000) await rm(dir, { recursive: true, force: true });
  }
}
