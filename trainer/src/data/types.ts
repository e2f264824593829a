import type { ImageFormat } from "@marquee/shared";

/** One usable image found by {@link scanDataset}. */
export interface DatasetFile {
  /** Absolute path. */
  path: string;
  /** Index into `classNames`. */
  classIndex: number;
  /** Size in bytes. */
  bytes: number;
  /** Hex sha256 of the file's bytes; the cache and duplicate detection key on it. */
  sha256: string;
  /** Format found by content (a `.jpg` holding PNG bytes says `png`). */
  format: ImageFormat;
  width: number;
  height: number;
}

/** A file or folder left out, with a reason a user can act on. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** Where progress and warnings go; inject one in tests or to silence output. */
export interface DataLog {
  info(line: string): void;
  warn(line: string): void;
}

/** A {@link DataLog} that writes to the console. */
export const consoleLog: DataLog = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(`warning: ${line}`),
};

/** A {@link DataLog} that prints nothing. */
export const silentLog: DataLog = { info: () => {}, warn: () => {} };
