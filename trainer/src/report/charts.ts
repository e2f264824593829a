import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Evaluation } from "../train/evaluate.ts";
import type { History } from "../train/history.ts";
import { writeFileAtomic } from "../util/durable-fs.ts";
import { renderSpecToPng } from "./render.ts";
import { confusionMatrixSpec, perClassAccuracySpec, trainingCurvesSpec } from "./specs.ts";

/** File names of the charts a training run writes. */
export const CHART_FILES = Object.freeze({
  curves: "curves.png",
  confusion: "confusion-matrix.png",
  perClass: "per-class-accuracy.png",
});

/** Paths of the charts {@link writeTrainingCharts} wrote. */
export interface TrainingCharts {
  curves: string;
  confusion: string;
  perClass: string;
}

/**
 * Write the run's charts as PNGs into `dir`: accuracy/loss curves, the confusion matrix with class names,
 * and per-class accuracy. Returns the paths written.
 */
export async function writeTrainingCharts(
  dir: string,
  input: {
    history: History;
    labels: string[];
    evaluation: Pick<Evaluation, "confusion" | "perClassAccuracy">;
  },
): Promise<TrainingCharts> {
  const paths = {
    curves: join(dir, CHART_FILES.curves),
    confusion: join(dir, CHART_FILES.confusion),
    perClass: join(dir, CHART_FILES.perClass),
  };
  await writeFileAtomic(paths.curves, await renderSpecToPng(trainingCurvesSpec(input.history)));
  await writeFileAtomic(
    paths.confusion,
    await renderSpecToPng(confusionMatrixSpec(input.labels, input.evaluation.confusion)),
  );
  await writeFileAtomic(
    paths.perClass,
    await renderSpecToPng(perClassAccuracySpec(input.labels, input.evaluation.perClassAccuracy)),
  );
  return paths;
}

/**
 * Write `pnpm evaluate --charts DIR`'s PNGs: the confusion matrix and per-class accuracy, titled.
 *
 * @example
 * await writeEvaluationCharts("charts", metadata.labels, evaluation);
 */
export async function writeEvaluationCharts(
  dir: string,
  labels: string[],
  evaluation: Pick<Evaluation, "confusion" | "perClassAccuracy">,
): Promise<{ confusion: string; perClass: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { confusion: join(dir, CHART_FILES.confusion), perClass: join(dir, CHART_FILES.perClass) };
  await writeFileAtomic(
    paths.confusion,
    await renderSpecToPng(confusionMatrixSpec(labels, evaluation.confusion, "Confusion matrix")),
  );
  await writeFileAtomic(
    paths.perClass,
    await renderSpecToPng(perClassAccuracySpec(labels, evaluation.perClassAccuracy, "Per-class accuracy")),
  );
  return paths;
}
