import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Write a file and fsync it, so a crash after this returns cannot leave it short. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so renames and creations inside it survive a power cut. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on directories (EINVAL/EISDIR); the rename is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw err;
  } finally {
    await handle.close();
  }
}

/** Replace a file atomically: write a temporary sibling, fsync, rename over. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFileDurable(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const tmpPrefix = (target: string) => `.${basename(target)}.tmp-`;
const oldPrefix = (target: string) => `.${basename(target)}.old-`;

/**
 * Put back a directory whose replacement was interrupted by a crash, and delete abandoned temporary
 * siblings. After a crash between the two renames of {@link writeDirAtomically} the target is missing and
 * its previous version sits in a hidden `.NAME.old-*` sibling; this renames it back.
 */
export async function recoverDir(target: string): Promise<void> {
  const parent = dirname(target);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  const olds = entries.filter((e) => e.startsWith(oldPrefix(target))).sort();
  if (!(await exists(target)) && olds.length > 0) {
    await rename(join(parent, olds.pop()!), target);
    await syncDir(parent);
  }
  for (const e of entries) {
    if (e.startsWith(tmpPrefix(target)) || olds.includes(e))
      await rm(join(parent, e), { recursive: true, force: true });
  }
}

/**
 * Create or replace directory `target` so readers only ever see the old complete version or the new
 * complete one: `fill` writes into a hidden temporary sibling, every file is fsynced, then the old
 * directory is renamed aside, the new one renamed in, and the old one deleted. If `fill` throws, the
 * temporary directory is removed and `target` is untouched.
 *
 * @example
 * await writeDirAtomically("out/model", async (dir) => { await writeFileDurable(`${dir}/model.json`, json); });
 */
export async function writeDirAtomically(
  target: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  await recoverDir(target);
  const unique = `${process.pid}-${Date.now()}-${randomBytes(4).toString("hex")}`;
  const tmp = join(parent, tmpPrefix(target) + unique);
  await mkdir(tmp);
  try {
    await fill(tmp);
    await syncDir(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = join(parent, oldPrefix(target) + unique);
  const hadOld = await exists(target);
  if (hadOld) await rename(target, old);
  await rename(tmp, target);
  await syncDir(parent);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
