/**
 * @module
 * The one writer of a finished run folder, used by every task: the export (model/ with metadata.json),
 * history.json, evaluation.json and any task JSON, the PNG charts, and report.html. Charts and the
 * report are conveniences: a failure there becomes a warning, never a lost model.
 */
import { join } from "node:path";
import type { ModelMetadata } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import type { TopLevelSpec } from "vega-lite";
import { type ExportResult, exportModel } from "../export/export-model.ts";
import type { WeightDtype } from "../export/quantize.ts";
import { type TrainingCharts, writeTrainingCharts } from "../report/charts.ts";
import { renderSpecToPng } from "../report/render.ts";
import { REPORT_FILE, type TrainingReportInput, writeTrainingReport } from "../report/report-html.ts";
import type { Evaluation } from "../train/evaluate.ts";
import type { History } from "../train/history.ts";
import { writeFileAtomic } from "../util/durable-fs.ts";
import { perClassByLabel } from "./run-metadata.ts";

/** File and folder names inside a run folder. */
export const RUN_FILES = Object.freeze({
  checkpoints: "checkpoints",
  model: "model",
  history: "history.json",
  evaluation: "evaluation.json",
  samples: "samples.png",
});

/**
 * Write `value` as pretty JSON (two-space indent, final newline), atomically.
 *
 * @example
 * await writeJsonFile(join(outDir, RUN_FILES.history), { bestEpoch, history });
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** evaluation.json's common part: the best weights on the validation set, per class by label. */
export function evaluationJson(bestEpoch: number | null, labels: string[], evaluation: Evaluation) {
  return {
    bestEpoch,
    labels,
    count: evaluation.count,
    loss: evaluation.loss,
    accuracy: evaluation.accuracy,
    perClassAccuracy: perClassByLabel(labels, evaluation),
    confusion: evaluation.confusion,
  };
}

/** What goes into a run folder. */
export interface RunFolderContent {
  outDir: string;
  /** The trained model to export, and how. */
  export: {
    model: tf.LayersModel;
    metadata: Omit<ModelMetadata, "weights">;
    weightDtype?: WeightDtype;
    /** Default `<outDir>/model`. */
    dir?: string;
  };
  /** history.json's body. */
  history: unknown;
  /** evaluation.json's body (see {@link evaluationJson}). */
  evaluation: unknown;
  /** More JSON files by key, e.g. `{ openSet: { file: "open-set.json", body } }`. */
  json?: Record<string, { file: string; body: unknown }>;
  /** The standard charts (curves, confusion matrix, per-class), or null for none (`--no-charts`). */
  charts: {
    history: History;
    labels: string[];
    evaluation: Pick<Evaluation, "confusion" | "perClassAccuracy">;
    /** More charts by key, e.g. `{ openSetChart: { file: "open-set-tradeoff.png", spec } }`. */
    extra?: Record<string, { file: string; spec: () => TopLevelSpec }>;
  } | null;
  /** report.html's content, built once the export exists (the report shows its folder and size). */
  report: (done: {
    exported: ExportResult;
    exportSeconds: number;
  }) => TrainingReportInput | Promise<TrainingReportInput>;
  /** Progress and warnings. */
  log: (line: string) => void;
}

/** What {@link writeRunFolder} wrote. */
export interface RunFolderFiles {
  exported: ExportResult;
  exportSeconds: number;
  history: string;
  evaluation: string;
  /** The task's JSON files by key. */
  json: Record<string, string>;
  /** Absent with `charts: null` or when drawing failed. */
  charts?: TrainingCharts;
  /** The task's extra charts by key. */
  extraCharts: Record<string, string>;
  /** report.html, unless it could not be written. */
  report?: string;
}

/**
 * Export the model and write the run's files, in this order: model/ (atomically, with validated
 * metadata.json), history.json, evaluation.json, the task's JSON files, the charts, report.html.
 *
 * @example
 * const files = await writeRunFolder({ outDir, export: { model, metadata }, history, evaluation,
 *   charts: { history, labels, evaluation }, report: ({ exported }) => reportInput(exported), log });
 */
export async function writeRunFolder(c: RunFolderContent): Promise<RunFolderFiles> {
  const exportStarted = performance.now();
  const dtype = c.export.weightDtype ?? "float32";
  const exported = await exportModel(c.export.model, {
    dir: c.export.dir ?? join(c.outDir, RUN_FILES.model),
    metadata: c.export.metadata,
    weightDtype: dtype,
  });
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  c.log(
    `Exported ${exported.files.length} files (${exported.weightBytes} bytes of ${dtype} weights) to ${exported.dir}.`,
  );

  const history = join(c.outDir, RUN_FILES.history);
  await writeJsonFile(history, c.history);
  const evaluation = join(c.outDir, RUN_FILES.evaluation);
  await writeJsonFile(evaluation, c.evaluation);
  const json: Record<string, string> = {};
  for (const [key, { file, body }] of Object.entries(c.json ?? {})) {
    json[key] = join(c.outDir, file);
    await writeJsonFile(json[key], body);
  }

  let charts: TrainingCharts | undefined;
  const extraCharts: Record<string, string> = {};
  if (c.charts) {
    try {
      charts = await writeTrainingCharts(c.outDir, c.charts);
      for (const [key, { file, spec }] of Object.entries(c.charts.extra ?? {})) {
        extraCharts[key] = join(c.outDir, file);
        await writeFileAtomic(extraCharts[key], await renderSpecToPng(spec()));
      }
    } catch (err) {
      // Charts are a convenience; a rendering problem must not lose a trained model.
      c.log(`warning: could not draw the charts: ${(err as Error).message}`);
    }
  }

  let report: string | undefined;
  try {
    const path = join(c.outDir, REPORT_FILE);
    const bytes = await writeTrainingReport(path, await c.report({ exported, exportSeconds }));
    report = path;
    c.log(`Report: ${path} (${Math.round(bytes / 1024)} KiB; open it in a browser).`);
  } catch (err) {
    // Like the charts, the report must not lose a trained model.
    c.log(`warning: could not write ${REPORT_FILE}: ${(err as Error).message}`);
  }
  return {
    exported,
    exportSeconds,
    history,
    evaluation,
    json,
    ...(charts ? { charts } : {}),
    extraCharts,
    ...(report ? { report } : {}),
  };
}
