/**
 * @module
 * The one naming rule of a training run, for every task: the run folder is `runs/<data>-<model>`
 * and the model's name (metadata.json `name`) is `<data>`, where `<data>` is the data folder's name —
 * or its parent's when the folder is called train/ (five-celeb/train → "five-celeb"). `--out` and
 * `--name` override them.
 */
import { basename, dirname, join, resolve } from "node:path";

/**
 * The name a data folder stands for: its own, or its parent's for a `train`/`training` folder.
 *
 * @example
 * dataFolderName("datasets/five-celeb/train"); // "five-celeb"
 */
export function dataFolderName(data: string): string {
  const abs = resolve(data);
  const own = basename(abs);
  return /^(train|training)$/i.test(own) ? basename(dirname(abs)) || own : own;
}

/** A run's folder and model name, see the module comment. */
export interface RunNames {
  /** {@link dataFolderName} of `--data`. */
  dataName: string;
  /** Absolute run folder. */
  outDir: string;
  /** metadata.json `name`. */
  name: string;
}

/**
 * Where a run goes and what its model is called.
 *
 * @example
 * runNames({ data: "five-celeb/train", model: "face" });
 * // { dataName: "five-celeb", outDir: "<cwd>/runs/five-celeb-face", name: "five-celeb" }
 */
export function runNames(o: { data: string; model: string; out?: string; name?: string }): RunNames {
  const dataName = dataFolderName(o.data);
  return {
    dataName,
    outDir: resolve(o.out ?? join("runs", `${dataName}-${o.model}`)),
    name: o.name ?? dataName,
  };
}
