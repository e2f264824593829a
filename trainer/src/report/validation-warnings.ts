/**
 * @module
 * When a validation figure cannot be trusted: too few photos overall or per class, or an accuracy
 * close to guessing. report.html shows these above the summary, and `pnpm train` prints them after
 * the run, so "100% on 9 photos" or "22% on 5 classes" never stands without comment.
 */
import type { Evaluation } from "../train/evaluate.ts";

/** Below this many validation photos, an accuracy says little. */
export const MIN_VALIDATION_PHOTOS = 30;
/** Below this many validation photos of a class, its accuracy says little. */
export const MIN_VALIDATION_PER_CLASS = 3;
/** Accuracy up to this multiple of chance (1 / classes) counts as near chance. */
export const NEAR_CHANCE_FACTOR = 1.5;

/**
 * Plain-words warnings about a validation evaluation; empty when the figures can be trusted.
 *
 * @example
 * validationWarnings({ count: 9, accuracy: 1, confusion, ... }, ["a", "b"]);
 * // ["Only 9 validation photos: the accuracy could move a lot with a few more. …"]
 */
export function validationWarnings(
  evaluation: Pick<Evaluation, "count" | "accuracy" | "confusion">,
  labels: readonly string[],
): string[] {
  const warnings: string[] = [];
  const fix = "Pass a larger validation folder with --validation-data, or raise --validation-split.";
  if (evaluation.count < MIN_VALIDATION_PHOTOS) {
    warnings.push(
      `Only ${evaluation.count} validation photo${evaluation.count === 1 ? "" : "s"}: the accuracy could move a lot with a few more (${MIN_VALIDATION_PHOTOS}+ wanted). ${fix}`,
    );
  }
  const perClass = labels.map((label, i) => ({
    label,
    n: (evaluation.confusion[i] ?? []).reduce((a, b) => a + b, 0),
  }));
  const thin = perClass.filter((c) => c.n < MIN_VALIDATION_PER_CLASS);
  if (thin.length > 0) {
    const list = thin
      .slice(0, 5)
      .map((c) => `${c.label} (${c.n})`)
      .join(", ");
    warnings.push(
      `${thin.length} class${thin.length === 1 ? " has" : "es have"} fewer than ${MIN_VALIDATION_PER_CLASS} validation photos: ${list}${thin.length > 5 ? ", …" : ""}; their per-class accuracy is not meaningful.`,
    );
  }
  const chance = labels.length > 0 ? 1 / labels.length : 0;
  if (labels.length >= 2 && evaluation.count > 0 && evaluation.accuracy <= NEAR_CHANCE_FACTOR * chance) {
    warnings.push(
      `Validation accuracy ${(evaluation.accuracy * 100).toFixed(1)}% is near chance (${(chance * 100).toFixed(1)}% for ${labels.length} classes): the model has barely learned. Try more epochs, more photos per class, or --model face for people.`,
    );
  }
  return warnings;
}
