import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import {
  checkImageLimits,
  type DecodeLimits,
  MarqueeError,
  readImageHeader,
  sniffImageFormat,
} from "@marquee/shared";
import { mapWithConcurrency } from "./pool.ts";
import { consoleLog, type DataLog, type DatasetFile, type SkippedFile } from "./types.ts";
import { compareCodePoints, describeFsError, walkFiles } from "./walk.ts";

/**
 * Limits for training photos. Camera JPEGs of 20+ MB exist, so the byte cap is looser than
 * the edge's 10 MB; the pixel cap stays at 40 MP because a decoded 40 MP image already
 * takes 120 MB of RGB.
 */
export const TRAINING_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxMegapixels: 40,
});

/** Options for {@link scanDataset}. */
export interface ScanOptions {
  log?: DataLog;
  limits?: Partial<DecodeLimits>;
  /** Files examined at once. */
  concurrency?: number;
  /** Fewer classes with usable images than this is an error; a classifier needs two. */
  minClasses?: number;
  /** Reads a file; injectable so tests can simulate I/O errors root would not hit. */
  readFile?: (path: string) => Promise<Uint8Array>;
}

/** What {@link scanDataset} found. */
export interface ScanResult {
  /** Absolute path of the data folder. */
  root: string;
  /** Class folder names, sorted by code point like Keras. */
  classNames: string[];
  /** Usable images, ordered by class then path. */
  files: DatasetFile[];
  /** Everything left out, with the reason. */
  skipped: SkippedFile[];
}

/**
 * Find the images in a folder of class folders, like Keras' `image_dataset_from_directory`:
 * class names are the sorted sub-folder names. Files are recognised by content, not name,
 * and every file that cannot be used (not an image, empty, unreadable, symlink loop, corrupt
 * header, over the limits) is skipped and listed rather than aborting the run.
 * Only the header is parsed here; full decoding happens once, when the cache is filled.
 *
 * @throws MarqueeError `bad_request` when the folder has no usable images (or fewer than
 *   `minClasses` classes with any).
 * @example
 * const { classNames, files, skipped } = await scanDataset("data/celeb17");
 */
export async function scanDataset(dir: string, options: ScanOptions = {}): Promise<ScanResult> {
  const log = options.log ?? consoleLog;
  const limits: DecodeLimits = { ...TRAINING_DECODE_LIMITS, ...options.limits };
  const read = options.readFile ?? ((p: string) => readFile(p));
  const root = resolve(dir);

  const classDirs = await listClassFolders(root);
  const skipped: SkippedFile[] = [...classDirs.skipped];
  const classNames = classDirs.names;

  const candidates: { path: string; classIndex: number }[] = [];
  for (const [classIndex, name] of classNames.entries()) {
    const walked = await walkFiles(join(root, name), [root]);
    skipped.push(...walked.skipped);
    for (const path of walked.files) candidates.push({ path, classIndex });
  }

  const examined = await mapWithConcurrency(candidates, options.concurrency ?? 8, (c) =>
    examineFile(c.path, c.classIndex, limits, read),
  );
  const files: DatasetFile[] = [];
  for (const result of examined) {
    if ("reason" in result) skipped.push(result);
    else files.push(result);
  }

  reportScan(log, root, classNames, files, skipped);
  assertUsable(root, classNames, files, candidates.length, options.minClasses ?? 2);
  return { root, classNames, files, skipped };
}

async function listClassFolders(root: string): Promise<{ names: string[]; skipped: SkippedFile[] }> {
  let entries: string[];
  try {
    const s = await stat(root);
    if (!s.isDirectory()) throw new MarqueeError("bad_request", `Data path ${root} is not a folder.`);
    entries = await readdir(root);
  } catch (err) {
    if (err instanceof MarqueeError) throw err;
    throw new MarqueeError("bad_request", `Cannot read the data folder ${root}: ${describeFsError(err)}.`, {
      cause: err,
    });
  }
  const names: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const name of entries.sort(compareCodePoints)) {
    const path = join(root, name);
    try {
      const s = await stat(path);
      if (s.isDirectory()) names.push(name);
      else
        skipped.push({
          path,
          reason: "not inside a class folder (files directly in the data folder are ignored)",
        });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skipped.push({
        path,
        reason: code === "ELOOP" ? "symlink loop" : `unreadable: ${describeFsError(err)}`,
      });
    }
  }
  return { names, skipped };
}

async function examineFile(
  path: string,
  classIndex: number,
  limits: DecodeLimits,
  read: (path: string) => Promise<Uint8Array>,
): Promise<DatasetFile | SkippedFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    return { path, reason: `unreadable: ${describeFsError(err)}` };
  }
  if (size === 0) return { path, reason: "empty file (0 bytes)" };
  if (size > limits.maxBytes) {
    return { path, reason: `too large: ${formatMB(size)} exceeds the ${formatMB(limits.maxBytes)} limit` };
  }
  let bytes: Uint8Array;
  try {
    bytes = await read(path);
  } catch (err) {
    return { path, reason: `unreadable: ${describeFsError(err)}` };
  }
  if (bytes.length === 0) return { path, reason: "empty file (0 bytes)" };
  const format = sniffImageFormat(bytes);
  if (!format) {
    const ext = extname(path).toLowerCase();
    const claimed = /^\.(jpe?g|png|webp|gif)$/.test(ext) ? ` despite the ${ext} name` : "";
    return { path, reason: `not an image: content is not JPEG, PNG, WebP or GIF${claimed}` };
  }
  let header: ReturnType<typeof readImageHeader>;
  try {
    header = readImageHeader(bytes);
    checkImageLimits(header, bytes.length, limits);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof MarqueeError ? err.code : "";
    const kind = code === "image_too_large" ? "too large" : "corrupt image";
    return { path, reason: `${kind}: ${message}` };
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    path,
    classIndex,
    bytes: bytes.length,
    sha256,
    format,
    width: header.width,
    height: header.height,
  };
}

function formatMB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Print the Keras-style summary and the skipped list. */
function reportScan(
  log: DataLog,
  root: string,
  classNames: string[],
  files: DatasetFile[],
  skipped: SkippedFile[],
): void {
  log.info(`Found ${files.length} images belonging to ${classNames.length} classes in ${root}.`);
  log.info(`Classes: ${classNames.join(", ")}`);
  const perClass = new Array<number>(classNames.length).fill(0);
  for (const f of files) perClass[f.classIndex]!++;
  for (const [i, n] of perClass.entries()) {
    if (n === 0) log.warn(`class "${classNames[i]}" has no usable images.`);
  }
  if (skipped.length > 0) {
    log.warn(`skipped ${skipped.length} file(s):`);
    for (const s of skipped) log.warn(`  ${displayPath(root, s.path)}: ${s.reason}`);
  }
  const renamed = files.filter((f) => !extensionMatches(f.path, f.format));
  if (renamed.length > 0) {
    log.info(
      `${renamed.length} image(s) have a name that disagrees with their content (e.g. ${basename(renamed[0]!.path)} is ${renamed[0]!.format}); decoded by content.`,
    );
  }
}

function extensionMatches(path: string, format: string): boolean {
  const ext = extname(path).toLowerCase().slice(1);
  return ext === format || (format === "jpeg" && (ext === "jpg" || ext === "jpe"));
}

/** `root`-relative path for messages; absolute if outside. */
export function displayPath(root: string, path: string): string {
  return path.startsWith(root + "/") ? path.slice(root.length + 1) : path;
}

/**
 * Throw when nothing trainable is left. Shared with the cache-filling step, which can
 * discover further failures (full decode) after the scan.
 */
export function assertUsable(
  root: string,
  classNames: string[],
  files: DatasetFile[],
  candidates: number,
  minClasses: number,
): void {
  if (classNames.length === 0) {
    throw new MarqueeError(
      "bad_request",
      `No usable data: ${root} has no class folders. Put each class's images in its own sub-folder.`,
    );
  }
  if (files.length === 0) {
    throw new MarqueeError(
      "bad_request",
      `No usable data: none of the ${candidates} file(s) in ${root} could be used as an image (see the skipped list).`,
    );
  }
  const withImages = new Set(files.map((f) => f.classIndex)).size;
  if (withImages < minClasses) {
    throw new MarqueeError(
      "bad_request",
      `No usable data: only ${withImages} class(es) in ${root} have usable images; training needs at least ${minClasses}.`,
    );
  }
}
