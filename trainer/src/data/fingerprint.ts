import { createHash } from "node:crypto";
import type { DatasetFile } from "./types.ts";

/**
 * The dataset fingerprint recorded in metadata.json: hex sha256 over the lines
 * `<className>\t<sha256>\n` of every usable file, sorted by class name then content hash.
 * File names and order do not matter; contents and labels do.
 *
 * @example
 * datasetFingerprint(scan.classNames, scan.files) // "3f9c…" (64 hex digits)
 */
export function datasetFingerprint(classNames: readonly string[], files: readonly DatasetFile[]): string {
  const lines = files.map((f) => `${classNames[f.classIndex]}\t${f.sha256}\n`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const line of lines) hash.update(line, "utf8");
  return hash.digest("hex");
}
