/**
 * @module
 * Every path a trainer CLI is given, checked before any work and explained in words: a missing
 * folder, a file where a folder belongs, a folder where photos belong (predict accepts one and
 * predicts every image in it). Without this, the user met "EISDIR: illegal operation on a directory",
 * a raw ENOENT, or "no longer exists" minutes into a run.
 */
import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { MarqueeError } from "@marquee/shared";

/** File extensions `pnpm predict <folder>` picks up (HEIC included, so its error can advise converting). */
export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  ".jpg",
  ".jpeg",
  ".jfif",
  ".png",
  ".webp",
  ".gif",
  ".avif",
  ".heic",
  ".heif",
]);

type Kind = "folder" | "file" | "missing" | "other";

function kindOf(path: string): Kind {
  try {
    const s = statSync(path);
    return s.isDirectory() ? "folder" : s.isFile() ? "file" : "other";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
      return "missing";
    throw new MarqueeError("bad_request", `${path} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * Throw `bad_request` unless `path` is an existing folder; `what` says what the folder should hold.
 *
 * @example
 * checkFolder("/tmp/nope", "--data", "a folder with one sub-folder of images per class");
 * // error: --data /tmp/nope does not exist; pass a folder with one sub-folder of images per class.
 */
export function checkFolder(path: string, flag: string, what: string): void {
  const kind = kindOf(path);
  if (kind === "missing")
    throw new MarqueeError("bad_request", `${flag} ${path} does not exist; pass ${what}.`);
  if (kind !== "folder")
    throw new MarqueeError("bad_request", `${flag} ${path} is a file, not a folder; pass ${what}.`);
}

/**
 * Throw `bad_request` when an output folder cannot be one: it is a file. With `mustExist` (`--resume`)
 * it must also exist already.
 *
 * @example
 * checkOutFolder("runs/x", "--out", { mustExist: true, why: "--resume continues a run in it" });
 */
export function checkOutFolder(
  path: string,
  flag: string,
  o: { mustExist?: boolean; why?: string } = {},
): void {
  const kind = kindOf(path);
  if (kind === "missing" && o.mustExist)
    throw new MarqueeError(
      "bad_request",
      `${flag} ${path} does not exist, but ${o.why ?? "it must"}; check the path, or leave out --resume to start a new run.`,
    );
  if (kind === "file" || kind === "other")
    throw new MarqueeError(
      "bad_request",
      `${flag} ${path} is a file; pass a folder (it is created if missing).`,
    );
}

function imagesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && PHOTO_EXTENSIONS.has(extname(e.name).toLowerCase())) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/**
 * `pnpm predict`'s photo arguments as files: a folder stands for every image in it (sub-folders
 * included, sorted by name); a missing path or an image-less folder throws `bad_request` in words.
 *
 * @example
 * expandPhotos(["a.jpg", "holiday/"]); // ["a.jpg", "holiday/b.png", "holiday/day2/c.jpg"]
 */
export function expandPhotos(args: readonly string[]): string[] {
  const photos: string[] = [];
  for (const arg of args) {
    const kind = kindOf(arg);
    if (kind === "missing")
      throw new MarqueeError("bad_request", `${arg} does not exist; pass image files or a folder of them.`);
    if (kind === "folder") {
      const inside = imagesUnder(arg);
      if (inside.length === 0)
        throw new MarqueeError(
          "bad_request",
          `${arg} is a folder with no images in it (looked for ${[...PHOTO_EXTENSIONS].join(" ")}, sub-folders included); pass image files, e.g. ${join(arg, "*.jpg")}.`,
        );
      photos.push(...inside);
    } else photos.push(arg);
  }
  return photos;
}

/**
 * `pnpm train`'s paths, checked before any work: `--data`, `--validation-data` and `--strangers` must be
 * folders, `--out` (given, or the default run folder) must not be a file, and must exist for `--resume`.
 *
 * @example
 * checkTrainPaths({ data: "photos", resume: true }, "runs/photos-seed-cnn");
 */
export function checkTrainPaths(
  flags: { data?: string; validationData?: string; strangers?: string; out?: string; resume?: boolean },
  outDir: string,
): void {
  const classes = "a folder with one sub-folder of images per class";
  if (flags.data !== undefined) checkFolder(flags.data, "--data", classes);
  if (flags.validationData !== undefined)
    checkFolder(flags.validationData, "--validation-data", `${classes} (the same class names as --data)`);
  if (flags.strangers !== undefined)
    checkFolder(flags.strangers, "--strangers", "a folder of class folders of people not in --data");
  checkOutFolder(flags.out ?? outDir, flags.out === undefined ? "the run folder" : "--out", {
    mustExist: flags.resume === true,
    why: "--resume continues the run saved there",
  });
}
