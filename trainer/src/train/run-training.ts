import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import { ARTIFACT_FORMAT_VERSION, MarqueeError, type ModelMetadata } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { withDequantizedWeights } from "../export/dequantize.ts";
import { writeFileAtomic } from "../export/durable-fs.ts";
import { type ExportResult, exportModel } from "../export/export-model.ts";
import { buildModel, type ModelBuildOptions, modelDefinition } from "../models/registry.ts";
import { countParams, summarize } from "../models/summary.ts";
import { writeTrainingCharts } from "../report/charts.ts";
import type { DatasetSummary } from "../report/dataset-summary.ts";
import { runEnvironment } from "../report/environment.ts";
import { REPORT_FILE, writeTrainingReport } from "../report/report-html.ts";
import { hasResumeCheckpoint, loadBestWeights, restoreModelWeights } from "./checkpoint.ts";
import type { TrainingData } from "./data-source.ts";
import { type Evaluation, evaluateModel } from "./evaluate.ts";
import { type FitResult, fit } from "./fit.ts";
import type { History } from "./history.ts";
import type { TrainingOptions } from "./options.ts";
import { startTrainingPool } from "./parallel/start-training-pool.ts";
import { consoleReporter, type FitReporter } from "./progress.ts";

/** What runTraining needs from outside: the data, and where its output goes. */
export interface TrainingDeps {
  data: TrainingData;
  /** metadata.json's `dataset` block (the data side's `ds.metadata()`). */
  dataset: ModelMetadata["dataset"];
  /** Name of the tfjs backend in use, recorded in metadata (e.g. "wasm"). */
  backend: string;
  /** Progress bar and epoch lines; default a console reporter. */
  reporter?: FitReporter;
  /** Abort to stop cleanly after saving a resume checkpoint (wire SIGINT to it). */
  signal?: AbortSignal;
  /** Replace the registry's model (tests use tiny models; the cpu backend is too slow for the real ones). */
  buildModel?: (name: string, options: ModelBuildOptions) => tf.LayersModel;
  /** Test hook passed to fit. */
  afterStep?: Parameters<typeof fit>[0]["afterStep"];
  /**
   * Extra material for report.html: the data side's findings (`summarizeDataset(ds)`), the sample
   * grid (default `<outDir>/samples.png` when it exists) and the seconds spent filling the decode cache
   * (`ds.decodeSeconds`).
   */
  report?: { dataset?: DatasetSummary; samples?: string; decodeSeconds?: number };
}

/** How a run went and what it wrote. */
export interface TrainingOutcome {
  stopReason: FitResult["stopReason"];
  history: History;
  /** 1-based epoch of the exported weights, or null if interrupted before any epoch finished. */
  bestEpoch: number | null;
  /** The best weights evaluated on the validation set (float32), null when interrupted. */
  evaluation: Evaluation | null;
  /** The export, null when interrupted. */
  exported: ExportResult | null;
  /** Validation accuracy of float32 against the exported (quantised) weights; null for float32 exports. */
  quantization: { dtype: string; float32Accuracy: number; exportedAccuracy: number; change: number } | null;
  /** Files written besides the export. */
  files: {
    history: string;
    evaluation?: string;
    charts?: { curves: string; confusion: string; perClass: string };
    /** report.html, unless it could not be written. */
    report?: string;
  };
  parameters: number;
  seconds: number;
  /** Worker threads the steps ran on (1: in-process). */
  workers: number;
}

/** Folder names inside a run folder. */
export const RUN_FILES = Object.freeze({
  checkpoints: "checkpoints",
  model: "model",
  history: "history.json",
  evaluation: "evaluation.json",
});

/**
 * Train, evaluate and export one model, end to end, like the tutorial: build `options.model`, fit with
 * Adam + exponential decay, checkpoint the best `val_accuracy`, stop early, then evaluate the best weights
 * on validation, export them (float32 or quantised, atomically) with metadata.json, and write history.json,
 * evaluation.json and the charts. With `options.resume` it continues the run in `options.outDir`.
 * Returns early (no export) when `deps.signal` aborts; the resume checkpoint is saved first.
 *
 * @example
 * const controller = new AbortController();
 * process.once("SIGINT", () => controller.abort());
 * const outcome = await runTraining(resolveTrainingOptions({ outDir, name: "celeb17" }),
 *   { data, dataset: ds.metadata(), backend: tf.getBackend(), signal: controller.signal });
 */
export async function runTraining(options: TrainingOptions, deps: TrainingDeps): Promise<TrainingOutcome> {
  const started = performance.now();
  const { data } = deps;
  const reporter = deps.reporter ?? consoleReporter();
  const definition = modelDefinition(options.model);
  const fromLogits = definition.output === "logits";
  const checkpointDir = join(options.outDir, RUN_FILES.checkpoints);
  const labels = data.labels;
  if (data.trainSize === 0)
    throw new MarqueeError("bad_request", "No training images: the training split is empty.");
  if (data.validationSize === 0) {
    // Best-weights checkpointing, early stopping and the exported metrics all need validation data.
    throw new MarqueeError(
      "bad_request",
      "The validation split is empty; use a --validation-split above 0 or add images.",
    );
  }

  const buildOptions: ModelBuildOptions = {
    numClasses: labels.length,
    imageSize: data.imageSize,
    seed: options.seed,
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
  };
  // Identifies the run; epochs may grow on resume, anything else must match.
  const runConfig = {
    model: options.model,
    labels,
    imageSize: data.imageSize,
    fingerprint: deps.dataset.fingerprint,
    seed: options.seed,
    batchSize: options.batchSize,
    dropout: options.dropout ?? null,
    schedule: [options.learningRate, options.decaySteps, options.decayRate, options.staircase],
    adam: [options.beta1, options.beta2, options.epsilon],
  };

  if (options.resume) {
    if (!(await hasResumeCheckpoint(checkpointDir))) {
      throw new MarqueeError("bad_request", `Nothing to resume: no checkpoint in ${checkpointDir}.`);
    }
  } else {
    // A fresh run must not mix with a previous run's best weights.
    await rm(checkpointDir, { recursive: true, force: true });
  }

  const model = (deps.buildModel ?? buildModel)(options.model, buildOptions);
  const parameters = countParams(model).total;
  if (options.printSummary && !options.resume) reporter.message(summarize(model));
  const pool = await startTrainingPool(model, options.workers, deps.backend, reporter, options.batchSize);
  try {
    const fitStarted = performance.now();
    const result = await fit(
      {
        model,
        data,
        checkpointDir,
        reporter,
        runConfig,
        resume: options.resume,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.afterStep ? { afterStep: deps.afterStep } : {}),
        ...(pool ? { pool } : {}),
      },
      {
        epochs: options.epochs,
        batchSize: options.batchSize,
        seed: options.seed,
        schedule: {
          initialLearningRate: options.learningRate,
          decaySteps: options.decaySteps,
          decayRate: options.decayRate,
          staircase: options.staircase,
        },
        adam: { beta1: options.beta1, beta2: options.beta2, epsilon: options.epsilon },
        fromLogits,
        checkpoint: { monitor: options.monitor, mode: options.monitor.includes("loss") ? "min" : "max" },
        earlyStopping:
          options.patience > 0
            ? {
                monitor: options.monitor,
                mode: options.monitor.includes("loss") ? "min" : "max",
                minDelta: options.minDelta,
                patience: options.patience,
              }
            : null,
        checkpointEverySeconds: options.checkpointEverySeconds,
      },
    );

    const historyPath = join(options.outDir, RUN_FILES.history);
    const writeHistory = (bestEpoch: number | null) =>
      writeFileAtomic(
        historyPath,
        `${JSON.stringify({ model: options.model, stopReason: result.stopReason, bestEpoch, steps: result.steps, history: result.history }, null, 2)}\n`,
      );
    const base = {
      stopReason: result.stopReason,
      history: result.history,
      parameters,
      workers: pool?.size ?? 1,
    };
    if (result.stopReason === "interrupted") {
      await writeHistory(result.bestEpoch === null ? null : result.bestEpoch + 1);
      return {
        ...base,
        bestEpoch: result.bestEpoch === null ? null : result.bestEpoch + 1,
        evaluation: null,
        exported: null,
        quantization: null,
        files: { history: historyPath },
        seconds: (performance.now() - started) / 1000,
      };
    }

    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const evaluationStarted = performance.now();
    const best = await loadBestWeights(checkpointDir);
    if (!best)
      throw new MarqueeError(
        "bad_request",
        "Training finished without a single completed epoch; nothing to export.",
      );
    restoreModelWeights(model, best.weights);
    for (const w of best.weights) w.tensor.dispose();
    const bestEpoch = best.epoch + 1;

    const evalConfig = { imageSize: data.imageSize, numClasses: labels.length, fromLogits };
    const evaluate = () =>
      evaluateModel(model, data.validationBatches({ batchSize: options.batchSize }), evalConfig);
    const evaluation = await evaluate();
    reporter.message(
      `Best epoch ${bestEpoch}: validation loss ${evaluation.loss.toFixed(4)}, accuracy ${evaluation.accuracy.toFixed(4)} on ${evaluation.count} images.`,
    );
    let exportedEval = evaluation;
    let quantization: TrainingOutcome["quantization"] = null;
    if (options.weightDtype !== "float32") {
      exportedEval = await withDequantizedWeights(model, options.weightDtype, evaluate);
      quantization = {
        dtype: options.weightDtype,
        float32Accuracy: evaluation.accuracy,
        exportedAccuracy: exportedEval.accuracy,
        change: exportedEval.accuracy - evaluation.accuracy,
      };
      reporter.message(
        `${options.weightDtype} weights: validation accuracy ${exportedEval.accuracy.toFixed(4)} (float32 ${evaluation.accuracy.toFixed(4)}, change ${quantization.change >= 0 ? "+" : ""}${(quantization.change * 100).toFixed(2)} points).`,
      );
    }

    const evaluationSeconds = (performance.now() - evaluationStarted) / 1000;
    const exportStarted = performance.now();
    const now = new Date().toISOString();
    const trainingSeconds = result.history.seconds.reduce((a, b) => a + b, 0);
    const metadata: Omit<ModelMetadata, "weights"> = {
      formatVersion: ARTIFACT_FORMAT_VERSION,
      name: options.name,
      version: now,
      createdAt: now,
      pipeline: "image",
      architecture: options.model,
      labels,
      input: { width: data.imageSize, height: data.imageSize, channels: 3 },
      // The model rescales by itself (a Rescaling layer), so it takes plain 0..255 pixels.
      preprocessing: {
        resize: "bilinear",
        fit: options.fit,
        normalization: { kind: "scale", scale: 1, offset: 0 },
      },
      output: definition.output,
      dataset: deps.dataset,
      training: {
        backend: deps.backend,
        epochs: result.epochsDone,
        bestEpoch,
        batchSize: options.batchSize,
        optimizer: `adam(lr=${options.learningRate}, decay ${options.decayRate} every ${options.decaySteps} steps${options.staircase ? ", staircase" : ""})`,
        parameters,
        seconds: Math.round(trainingSeconds * 10) / 10,
        ...(pool ? { workers: pool.size } : {}),
      },
      metrics: {
        valAccuracy: exportedEval.accuracy,
        valLoss: Number.isFinite(exportedEval.loss) ? exportedEval.loss : null,
        trainAccuracy: result.history.accuracy[best.epoch] ?? null,
        perClassAccuracy: Object.fromEntries(
          labels.map((l, i) => [l, exportedEval.perClassAccuracy[i] ?? null]),
        ),
      },
    };
    const exportDir = options.exportDir ?? join(options.outDir, RUN_FILES.model);
    const exported = await exportModel(model, { dir: exportDir, metadata, weightDtype: options.weightDtype });
    reporter.message(
      `Exported ${exported.files.length} files (${exported.weightBytes} bytes of ${options.weightDtype} weights) to ${exportDir}.`,
    );

    const exportSeconds = (performance.now() - exportStarted) / 1000;
    await writeHistory(bestEpoch);
    const evaluationPath = join(options.outDir, RUN_FILES.evaluation);
    await writeFileAtomic(
      evaluationPath,
      `${JSON.stringify(
        {
          bestEpoch,
          labels,
          count: evaluation.count,
          loss: evaluation.loss,
          accuracy: evaluation.accuracy,
          perClassAccuracy: Object.fromEntries(
            labels.map((l, i) => [l, evaluation.perClassAccuracy[i] ?? null]),
          ),
          confusion: evaluation.confusion,
          quantization,
        },
        null,
        2,
      )}\n`,
    );
    let charts: TrainingOutcome["files"]["charts"];
    if (options.charts) {
      try {
        charts = await writeTrainingCharts(options.outDir, { history: result.history, labels, evaluation });
      } catch (err) {
        // Charts are a convenience; a rendering problem must not lose a trained model.
        reporter.message(`warning: could not draw the charts: ${(err as Error).message}`);
      }
    }
    let report: string | undefined;
    try {
      const reportPath = join(options.outDir, REPORT_FILE);
      const samples = deps.report?.samples ?? join(options.outDir, "samples.png");
      const hasSamples = await access(samples).then(
        () => true,
        () => false,
      );
      const decodeSeconds = deps.report?.decodeSeconds;
      const bytes = await writeTrainingReport(reportPath, {
        name: options.name,
        pipeline: "image",
        architecture: options.model,
        createdAt: now,
        labels,
        history: result.history,
        bestEpoch,
        stopReason: result.stopReason,
        evaluation,
        quantization,
        exported: { dir: exported.dir, weightBytes: exported.weightBytes, weightDtype: options.weightDtype },
        parameters,
        ...(hasSamples ? { samples } : {}),
        ...(deps.report?.dataset ? { dataset: deps.report.dataset } : {}),
        configuration: { ...options, imageSize: data.imageSize },
        environment: runEnvironment(deps.backend),
        timings: {
          phases: [
            ...(decodeSeconds === undefined
              ? []
              : [{ name: "decode and cache fill", seconds: decodeSeconds }]),
            {
              name: `training (${result.epochsDone} epochs${options.resume ? ", this session" : ""})`,
              seconds: fitSeconds,
            },
            { name: "evaluation of the best weights", seconds: evaluationSeconds },
            { name: "export", seconds: exportSeconds },
          ],
          totalSeconds: (performance.now() - started) / 1000 + (decodeSeconds ?? 0),
        },
      });
      report = reportPath;
      reporter.message(`Report: ${reportPath} (${Math.round(bytes / 1024)} KiB; open it in a browser).`);
    } catch (err) {
      // Like the charts, the report must not lose a trained model.
      reporter.message(`warning: could not write ${REPORT_FILE}: ${(err as Error).message}`);
    }
    return {
      ...base,
      bestEpoch,
      evaluation,
      exported,
      quantization,
      files: {
        history: historyPath,
        evaluation: evaluationPath,
        ...(charts ? { charts } : {}),
        ...(report ? { report } : {}),
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool?.close();
    model.dispose();
  }
}
