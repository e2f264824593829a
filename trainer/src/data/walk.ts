import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SkippedFile } from "./types.ts";

/** Result of walking one class folder: candidate file paths plus what could not be walked. */
export interface WalkResult {
  files: string[];
  skipped: SkippedFile[];
}

/**
 * List every regular file under `dir`, following symlinks but never into a cycle.
 * A link that resolves to a folder already on the current path (or to itself) is listed
 * as skipped instead of being followed forever.
 *
 * @param outer folders above `dir` that also count as ancestors (the data folder), so a
 *   link from a class folder back to the data folder is a loop too.
 */
export async function walkFiles(dir: string, outer: readonly string[] = []): Promise<WalkResult> {
  const result: WalkResult = { files: [], skipped: [] };
  const ancestors: string[] = [];
  for (const d of [...outer, dir]) ancestors.push(dirKey(await stat(d)));
  await walkInto(dir, ancestors, result);
  result.files.sort(compareCodePoints);
  return result;
}

/** Identity of a folder that survives symlinks and `..`. */
function dirKey(s: { dev: number; ino: number }): string {
  return `${s.dev}:${s.ino}`;
}

async function walkInto(dir: string, ancestors: string[], result: WalkResult): Promise<void> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch (err) {
    result.skipped.push({ path: dir, reason: `folder unreadable: ${describeFsError(err)}` });
    return;
  }
  const entries: { name: string; isSymlink: boolean; isDir: boolean; isFile: boolean }[] = [];
  try {
    for await (const e of handle) {
      entries.push({
        name: e.name,
        isSymlink: e.isSymbolicLink(),
        isDir: e.isDirectory(),
        isFile: e.isFile(),
      });
    }
  } catch (err) {
    result.skipped.push({ path: dir, reason: `folder unreadable: ${describeFsError(err)}` });
    return;
  }
  entries.sort((a, b) => compareCodePoints(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let isDir = entry.isDir;
    let isFile = entry.isFile;
    let key: string | null = null;
    if (entry.isSymlink || isDir) {
      try {
        const s = await stat(path); // follows the link
        isDir = s.isDirectory();
        isFile = s.isFile();
        key = dirKey(s);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason =
          code === "ELOOP"
            ? "symlink loop (the link resolves to itself)"
            : code === "ENOENT"
              ? "broken symlink (its target does not exist)"
              : `unreadable: ${describeFsError(err)}`;
        result.skipped.push({ path, reason });
        continue;
      }
    }
    if (isDir) {
      if (key && ancestors.includes(key)) {
        result.skipped.push({
          path,
          reason: "symlink loop (links back to a folder that contains it); not followed",
        });
        continue;
      }
      await walkInto(path, key ? [...ancestors, key] : ancestors, result);
    } else if (isFile) {
      result.files.push(path);
    } else {
      // FIFOs, sockets and devices would block or never end if read.
      result.skipped.push({ path, reason: "not a regular file" });
    }
  }
}

/** Short description of a Node fs error, e.g. "permission denied (EACCES)". */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${e.code})`;
    case "ENOENT":
      return "no longer exists (ENOENT)";
    case "ELOOP":
      return "symlink loop (ELOOP)";
    case "EIO":
      return "I/O error (EIO)";
    default:
      return e?.code ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? err);
  }
}

/** Sort by Unicode code point, the order Python's `sorted` (and so Keras) uses. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
