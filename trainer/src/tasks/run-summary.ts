/**
 * @module
 * What a person needs from a training run, and nothing more: a quiet fit reporter for the face task's
 * candidate heads (one line per head, printed by train-face, instead of ~100 epoch lines each), and
 * the closing lines every task prints (result, warnings about the validation set, what to do next).
 */

import { validationWarnings } from "../report/validation-warnings.ts";
import type { Evaluation } from "../train/evaluate.ts";
import type { FitReporter } from "../train/progress.ts";
import { nextSteps, shownPath } from "./next-steps.ts";

/**
 * A fit reporter that prints no line per epoch. On a terminal it keeps one status line with the last
 * epoch's figures up to date, which `clear()` erases (call it before printing a line); elsewhere it
 * prints nothing. The per-head result line (train-face) says what the epochs came to.
 *
 * @example
 * const reporter = quietEpochReporter();
 * const log = (line: string) => { reporter.clear(); console.log(line); };
 * await trainFaceModel(ds, options, { backend, reporter, log });
 */
export function quietEpochReporter(
  stream: NodeJS.WriteStream = process.stderr,
): FitReporter & { clear(): void } {
  let shown = false;
  const clear = () => {
    if (shown) stream.write("\r\x1b[K");
    shown = false;
  };
  return {
    epochBegin() {},
    stepEnd() {},
    epochEnd(line) {
      if (!stream.isTTY) return;
      const width = stream.columns ? stream.columns - 1 : 120;
      stream.write(`\r\x1b[K  ${line}`.slice(0, width + 6));
      shown = true;
    },
    message() {},
    clear,
  };
}

/**
 * The closing lines of a run: the result, any warnings about the validation figures, the model
 * folder and report, and the commands to serve and predict with it.
 *
 * @example
 * for (const line of closingLines({ result: "accuracy 96%", evaluation, labels, modelDir, name })) console.log(line);
 */
export function closingLines(o: {
  result: string;
  evaluation: Pick<Evaluation, "count" | "accuracy" | "confusion">;
  labels: readonly string[];
  modelDir: string;
  name: string;
  report?: string;
}): string[] {
  return [
    o.result,
    ...validationWarnings(o.evaluation, o.labels).map((w) => `warning: ${w}`),
    `Model "${o.name}": ${shownPath(o.modelDir)}`,
    ...(o.report ? [`Report: ${shownPath(o.report)} (open it in a browser)`] : []),
    ...nextSteps(o.modelDir),
  ];
}
