import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import { MarqueeError, type ModelMetadata } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { withDequantizedWeights } from "../export/dequantize.ts";
import type { ExportResult } from "../export/export-model.ts";
import { buildArchitecture, type ModelBuildOptions, modelDefinition } from "../models/registry.ts";
import { countParams, summarize } from "../models/summary.ts";
import type { DatasetSummary } from "../report/dataset-summary.ts";
import { runEnvironment } from "../report/environment.ts";
import type { TrainingReportInput } from "../report/report-html.ts";
import { describeAdam, runMetadata } from "../run-folder/run-metadata.ts";
import {
  evaluationJson,
  RUN_FILES,
  type RunFolderFiles,
  writeJsonFile,
  writeRunFolder,
} from "../run-folder/write-run-folder.ts";
import { hasResumeCheckpoint, loadBestWeights, restoreModelWeights } from "../train/checkpoint.ts";
import type { TrainingData } from "../train/data-source.ts";
import { type Evaluation, evaluateModel } from "../train/evaluate.ts";
import { type FitResult, fit } from "../train/fit.ts";
import type { History } from "../train/history.ts";
import { startTrainingPool } from "../train/parallel/start-training-pool.ts";
import type { TrainingPool } from "../train/parallel/training-pool.ts";
import { consoleReporter, type FitReporter } from "../train/progress.ts";
import type { TrainingOptions } from "./options.ts";

/** What trainImageModel needs from outside: the data, and where its output goes. */
export interface ImageTrainingDeps {
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
  buildArchitecture?: (name: string, options: ModelBuildOptions) => tf.LayersModel;
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
export interface ImageTrainingOutcome {
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

/** The quantisation check of an export: float32 against the exported weights on validation. */
type Quantization = ImageTrainingOutcome["quantization"];

/** Both splits must hold images: best-weights checkpointing, early stopping and the metrics need validation. */
function checkSplits(data: TrainingData): void {
  if (data.trainSize === 0)
    throw new MarqueeError("bad_request", "No training images: the training split is empty.");
  if (data.validationSize === 0) {
    throw new MarqueeError(
      "bad_request",
      "The validation split is empty; use a --validation-split above 0 or add images.",
    );
  }
}

/** A resumed run needs its checkpoint; a fresh run must not mix with a previous run's best weights. */
async function prepareCheckpoints(checkpointDir: string, resume: boolean): Promise<void> {
  if (!resume) {
    await rm(checkpointDir, { recursive: true, force: true });
    return;
  }
  if (!(await hasResumeCheckpoint(checkpointDir)))
    throw new MarqueeError("bad_request", `Nothing to resume: no checkpoint in ${checkpointDir}.`);
}

/** Fit with Adam + exponential decay, best-weights checkpoints and early stopping on `options.monitor`. */
function fitImageModel(
  model: tf.LayersModel,
  options: TrainingOptions,
  deps: ImageTrainingDeps,
  checkpointDir: string,
  reporter: FitReporter,
  pool: TrainingPool | null,
): ReturnType<typeof fit> {
  const { data } = deps;
  const mode = options.monitor.includes("loss") ? "min" : "max";
  // Identifies the run; epochs may grow on resume, anything else must match.
  const runConfig = {
    model: options.model,
    labels: data.labels,
    imageSize: data.imageSize,
    fingerprint: deps.dataset.fingerprint,
    seed: options.seed,
    batchSize: options.batchSize,
    dropout: options.dropout ?? null,
    schedule: [options.learningRate, options.decaySteps, options.decayRate, options.staircase],
    adam: [options.beta1, options.beta2, options.epsilon],
  };
  return fit(
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
      fromLogits: modelDefinition(options.model).output === "logits",
      checkpoint: { monitor: options.monitor, mode },
      earlyStopping:
        options.patience > 0
          ? { monitor: options.monitor, mode, minDelta: options.minDelta, patience: options.patience }
          : null,
      checkpointEverySeconds: options.checkpointEverySeconds,
    },
  );
}

/**
 * Restore the best checkpoint into `model` and evaluate it on validation, as float32 and (for a
 * quantised export) as the exported weights will be.
 */
async function evaluateBest(
  model: tf.LayersModel,
  options: TrainingOptions,
  data: TrainingData,
  checkpointDir: string,
  reporter: FitReporter,
): Promise<{ bestIndex: number; evaluation: Evaluation; exported: Evaluation; quantization: Quantization }> {
  const best = await loadBestWeights(checkpointDir);
  if (!best)
    throw new MarqueeError(
      "bad_request",
      "Training finished without a single completed epoch; nothing to export.",
    );
  restoreModelWeights(model, best.weights);
  for (const w of best.weights) w.tensor.dispose();

  const config = {
    imageSize: data.imageSize,
    numClasses: data.labels.length,
    fromLogits: modelDefinition(options.model).output === "logits",
  };
  const evaluate = () =>
    evaluateModel(model, data.validationBatches({ batchSize: options.batchSize }), config);
  const evaluation = await evaluate();
  reporter.message(
    `Best epoch ${best.epoch + 1}: validation loss ${evaluation.loss.toFixed(4)}, accuracy ${evaluation.accuracy.toFixed(4)} on ${evaluation.count} images.`,
  );
  if (options.weightDtype === "float32")
    return { bestIndex: best.epoch, evaluation, exported: evaluation, quantization: null };

  const exported = await withDequantizedWeights(model, options.weightDtype, evaluate);
  const quantization = {
    dtype: options.weightDtype,
    float32Accuracy: evaluation.accuracy,
    exportedAccuracy: exported.accuracy,
    change: exported.accuracy - evaluation.accuracy,
  };
  reporter.message(
    `${options.weightDtype} weights: validation accuracy ${exported.accuracy.toFixed(4)} (float32 ${evaluation.accuracy.toFixed(4)}, change ${quantization.change >= 0 ? "+" : ""}${(quantization.change * 100).toFixed(2)} points).`,
  );
  return { bestIndex: best.epoch, evaluation, exported, quantization };
}

/** What an image model's metadata.json says about its kind: 0..255 pixels in (the model rescales itself). */
function imageTaskMetadata(options: TrainingOptions, imageSize: number) {
  return {
    pipeline: "image" as const,
    architecture: options.model,
    input: { width: imageSize, height: imageSize, channels: 3 as const },
    preprocessing: {
      resize: "bilinear" as const,
      fit: options.fit,
      normalization: { kind: "scale" as const, scale: 1, offset: 0 },
    },
    output: modelDefinition(options.model).output,
  };
}

/** report.html's content for a finished image run. */
async function imageReport(
  options: TrainingOptions,
  deps: ImageTrainingDeps,
  run: {
    createdAt: string;
    result: Awaited<ReturnType<typeof fit>>;
    bestEpoch: number;
    evaluation: Evaluation;
    quantization: Quantization;
    exported: ExportResult;
    parameters: number;
    seconds: { started: number; fit: number; evaluation: number; export: number };
  },
): Promise<TrainingReportInput> {
  const samples = deps.report?.samples ?? join(options.outDir, RUN_FILES.samples);
  const hasSamples = await access(samples).then(
    () => true,
    () => false,
  );
  const decodeSeconds = deps.report?.decodeSeconds;
  const { result } = run;
  return {
    name: options.name,
    modelKind: "Image classifier",
    architecture: options.model,
    createdAt: run.createdAt,
    labels: deps.data.labels,
    history: result.history,
    bestEpoch: run.bestEpoch,
    stopReason: result.stopReason,
    evaluation: run.evaluation,
    quantization: run.quantization,
    exported: {
      dir: run.exported.dir,
      weightBytes: run.exported.weightBytes,
      weightDtype: options.weightDtype,
    },
    parameters: run.parameters,
    ...(hasSamples ? { samples } : {}),
    ...(deps.report?.dataset ? { dataset: deps.report.dataset } : {}),
    configuration: { ...options, imageSize: deps.data.imageSize },
    environment: runEnvironment(deps.backend),
    timings: {
      phases: [
        ...(decodeSeconds === undefined ? [] : [{ name: "decode and cache fill", seconds: decodeSeconds }]),
        {
          name: `training (${result.epochsDone} epochs${options.resume ? ", this session" : ""})`,
          seconds: run.seconds.fit,
        },
        { name: "evaluation of the best weights", seconds: run.seconds.evaluation },
        { name: "export", seconds: run.seconds.export },
      ],
      totalSeconds: (performance.now() - run.seconds.started) / 1000 + (decodeSeconds ?? 0),
    },
  };
}

/**
 * Export the best weights with their metadata.json and write the run folder: history.json,
 * evaluation.json (with the quantisation check), the charts, report.html.
 */
async function writeImageRunFolder(
  model: tf.LayersModel,
  options: TrainingOptions,
  deps: ImageTrainingDeps,
  run: {
    result: Awaited<ReturnType<typeof fit>>;
    best: Awaited<ReturnType<typeof evaluateBest>>;
    parameters: number;
    /** Worker threads the steps ran on (1: in-process; recorded only above 1). */
    workers: number;
    seconds: { started: number; fit: number; evaluation: number };
  },
  reporter: FitReporter,
): Promise<RunFolderFiles> {
  const { data } = deps;
  const { result, best, parameters } = run;
  const { evaluation, quantization } = best;
  const bestEpoch = best.bestIndex + 1;
  const createdAt = new Date().toISOString();
  const metadata = runMetadata({
    name: options.name,
    createdAt,
    labels: data.labels,
    dataset: deps.dataset,
    task: imageTaskMetadata(options, data.imageSize),
    training: {
      backend: deps.backend,
      epochs: result.epochsDone,
      bestEpoch,
      batchSize: options.batchSize,
      optimizer: describeAdam(options),
      parameters,
      seconds: Math.round(result.history.seconds.reduce((a, b) => a + b, 0) * 10) / 10,
      ...(run.workers > 1 ? { workers: run.workers } : {}),
    },
    evaluation: best.exported,
    trainAccuracy: result.history.accuracy[best.bestIndex] ?? null,
  });
  return writeRunFolder({
    outDir: options.outDir,
    export: {
      model,
      metadata,
      weightDtype: options.weightDtype,
      ...(options.exportDir ? { dir: options.exportDir } : {}),
    },
    history: historyJson(options, result, bestEpoch),
    evaluation: { ...evaluationJson(bestEpoch, data.labels, evaluation), quantization },
    charts: options.charts ? { history: result.history, labels: data.labels, evaluation } : null,
    report: ({ exported, exportSeconds }) =>
      imageReport(options, deps, {
        createdAt,
        result,
        bestEpoch,
        evaluation,
        quantization,
        exported,
        parameters,
        seconds: { ...run.seconds, export: exportSeconds },
      }),
    log: (line) => reporter.message(line),
  });
}

/** history.json's body: every epoch's metrics, why training stopped and the best epoch (1-based). */
function historyJson(
  options: TrainingOptions,
  result: Awaited<ReturnType<typeof fit>>,
  bestEpoch: number | null,
) {
  return {
    model: options.model,
    stopReason: result.stopReason,
    bestEpoch,
    steps: result.steps,
    history: result.history,
  };
}

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
 * const outcome = await trainImageModel(resolveTrainingOptions({ outDir, name: "celeb17" }),
 *   { data, dataset: ds.metadata(), backend: tf.getBackend(), signal: controller.signal });
 */
export async function trainImageModel(
  options: TrainingOptions,
  deps: ImageTrainingDeps,
): Promise<ImageTrainingOutcome> {
  const started = performance.now();
  const { data } = deps;
  const reporter = deps.reporter ?? consoleReporter();
  const checkpointDir = join(options.outDir, RUN_FILES.checkpoints);
  checkSplits(data);
  await prepareCheckpoints(checkpointDir, options.resume);

  const model = (deps.buildArchitecture ?? buildArchitecture)(options.model, {
    numClasses: data.labels.length,
    imageSize: data.imageSize,
    seed: options.seed,
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
  });
  const parameters = countParams(model).total;
  if (options.printSummary && !options.resume) reporter.message(summarize(model));
  let pool: TrainingPool | null = null;
  try {
    pool = await startTrainingPool(model, options.workers, deps.backend, reporter, options.batchSize);
    const workers = pool?.size ?? 1;
    const fitStarted = performance.now();
    const result = await fitImageModel(model, options, deps, checkpointDir, reporter, pool);
    const base = { stopReason: result.stopReason, history: result.history, parameters, workers };
    if (result.stopReason === "interrupted") {
      const bestEpoch = result.bestEpoch === null ? null : result.bestEpoch + 1;
      const history = join(options.outDir, RUN_FILES.history);
      await writeJsonFile(history, historyJson(options, result, bestEpoch));
      const seconds = (performance.now() - started) / 1000;
      return {
        ...base,
        bestEpoch,
        evaluation: null,
        exported: null,
        quantization: null,
        files: { history },
        seconds,
      };
    }

    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const evaluationStarted = performance.now();
    const best = await evaluateBest(model, options, data, checkpointDir, reporter);
    const evaluationSeconds = (performance.now() - evaluationStarted) / 1000;
    const written = await writeImageRunFolder(
      model,
      options,
      deps,
      {
        result,
        best,
        parameters,
        workers,
        seconds: { started, fit: fitSeconds, evaluation: evaluationSeconds },
      },
      reporter,
    );
    return {
      ...base,
      bestEpoch: best.bestIndex + 1,
      evaluation: best.evaluation,
      exported: written.exported,
      quantization: best.quantization,
      files: {
        history: written.history,
        evaluation: written.evaluation,
        ...(written.charts ? { charts: written.charts } : {}),
        ...(written.report ? { report: written.report } : {}),
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool?.close();
    model.dispose();
  }
}
