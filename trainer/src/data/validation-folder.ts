/**
 * @module
 * `--validation-data DIR`: a validation set the user already has (five-celeb ships train/ and val/),
 * used as is instead of splitting the training folder. Its class folders are matched to the training
 * folder's by name; the split is then fixed: every training file trains, every validation file validates.
 */
import { MarqueeError } from "@marquee/shared";
import { seededRandom, shuffleInPlace } from "../util/random.ts";
import { type DatasetSplit, splitFromIndices } from "./split.ts";

/**
 * For each validation class folder, the index of the training class with the same name. Throws
 * `bad_request` naming the folders that have no training class.
 *
 * @example
 * validationClassMap(["ann", "bob"], ["bob"], "val"); // [1]
 */
export function validationClassMap(
  trainClasses: readonly string[],
  validationClasses: readonly string[],
  dir: string,
): number[] {
  const map = validationClasses.map((name) => trainClasses.indexOf(name));
  const unknown = validationClasses.filter((_, i) => map[i] === -1);
  if (unknown.length > 0)
    throw new MarqueeError(
      "bad_request",
      `--validation-data ${dir} has class folders that --data does not: ${unknown.join(", ")}. Both need the same class folder names (the training classes are ${trainClasses.join(", ")}).`,
    );
  if (validationClasses.length === 0)
    throw new MarqueeError("bad_request", `--validation-data ${dir} has no class folders.`);
  return map;
}

/**
 * A split given by the folders: `isValidation(i)` says which of `files` came from the validation
 * folder. Training files are shuffled as {@link splitDataset} shuffles them; `validationSplit` records
 * the validation share that resulted.
 *
 * @example
 * const split = fixedSplit(files, (i) => i >= trainCount, seed);
 */
export function fixedSplit<F>(
  files: readonly F[],
  isValidation: (i: number) => boolean,
  seed: number,
): Omit<DatasetSplit, "train" | "validation"> & { train: F[]; validation: F[] } {
  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  for (let i = 0; i < files.length; i++) (isValidation(i) ? validationIndices : trainIndices).push(i);
  shuffleInPlace(trainIndices, seededRandom(seed, 0x7a1));
  const validationSplit = files.length ? validationIndices.length / files.length : 0;
  return splitFromIndices(files, trainIndices, validationIndices, validationSplit, seed);
}
