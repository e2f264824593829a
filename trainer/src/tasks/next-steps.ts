/**
 * @module
 * What a finished training run prints last: the commands that serve the new model and predict with it,
 * spelled with the run's own folder, so the user can copy them.
 */
import { isAbsolute, relative } from "node:path";

/** `path` as a user would type it from `cwd`: relative when inside it, else absolute. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/**
 * The "what now" lines after a run: serve (`pnpm start --model`), predict, evaluate.
 *
 * @example
 * nextSteps("/repo/runs/five-celeb-face/model", "/repo");
 * // ["Next:", "  serve it:  pnpm start --model runs/five-celeb-face/model", …]
 */
export function nextSteps(modelDir: string, cwd = process.cwd()): string[] {
  const dir = shownPath(modelDir, cwd);
  const q = /[\s"'$`\\]/.test(dir) ? `'${dir.replaceAll("'", `'\\''`)}'` : dir;
  return [
    "Next:",
    `  serve it:  pnpm start --model ${q}   (then open http://localhost:8787)`,
    `  predict:   pnpm predict --model-dir ${q} photo.jpg`,
    `  evaluate:  pnpm evaluate --model-dir ${q} --data <folder of class folders>`,
  ];
}
