import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { MarqueeError } from "@marquee/shared";
import { classifyFaceHead, type FaceHeadMetadata } from "@marquee/shared/face";
import * as tf from "@tensorflow/tfjs";
import type { ExportResult } from "../export/export-model.ts";
import { summarizeDataset } from "../report/dataset-summary.ts";
import { runEnvironment } from "../report/environment.ts";
import type { TrainingReportInput } from "../report/report-html.ts";
import { describeAdam, runMetadata, type TaskMetadata } from "../run-folder/run-metadata.ts";
import { evaluationJson, RUN_FILES, writeRunFolder } from "../run-folder/write-run-folder.ts";
import { loadBestWeights, restoreModelWeights } from "../train/checkpoint.ts";
import { type Evaluation, evaluateModel } from "../train/evaluate.ts";
import { fit } from "../train/fit.ts";
import type { History } from "../train/history.ts";
import { collectingReporter, consoleReporter, type FitReporter } from "../train/progress.ts";
import type { FaceDataset } from "./embed-dataset.ts";
import { DEFAULT_FACE_PIPELINE, type FacePipelineConfig, faceSettingsFor } from "./face-pipeline.ts";
import {
  buildExportHead,
  buildFaceHead,
  classCentroids,
  descriptorTrainingData,
  FACE_HEAD_KINDS,
  type FaceHeadKind,
  type HeadExample,
  headExamples,
  predictRows,
} from "./head.ts";
import {
  balancedScore,
  pickThreshold,
  type RejectionKind,
  type ScoredFace,
  strangerFolds,
  type TradeOffPoint,
  tradeOffCurve,
} from "./open-set.ts";
import { openSetTradeOffSpec } from "./open-set-chart.ts";
import { faceReportParts } from "./report-section.ts";
import { FACE_HEAD_TRAINING_DEFAULTS } from "./training-defaults.ts";

/** Settings of a face-head training run. */
export interface FaceTrainingOptions {
  outDir: string;
  name: string;
  /** `auto` trains both and keeps the one with the better validation accuracy (then loss). */
  head: FaceHeadKind | "auto";
  epochs: number;
  batchSize: number;
  seed: number;
  learningRate: number;
  decaySteps: number;
  decayRate: number;
  patience: number;
  /** Classes held out per leave-k-classes-out stranger fold. */
  strangerFoldSize: number;
  /** Minimum share of strangers the chosen threshold must reject. */
  minStrangersRejected: number;
  /** Force a rule kind; default: whichever separates known and strangers better. */
  rejection?: RejectionKind;
  charts: boolean;
  pipeline: FacePipelineConfig;
  /** Descriptors of extra strangers (e.g. five-celeb) to report against the final model. */
  externalStrangers?: { name: string; descriptors: Float32Array[] };
}

/** Defaults: {@link FACE_HEAD_TRAINING_DEFAULTS} with the default face pipeline. */
export const DEFAULT_FACE_TRAINING: Omit<FaceTrainingOptions, "outDir" | "name"> = Object.freeze({
  ...FACE_HEAD_TRAINING_DEFAULTS,
  pipeline: DEFAULT_FACE_PIPELINE,
});

/** What a face training run produced. */
export interface FaceTrainingOutcome {
  head: FaceHeadKind;
  /** Validation accuracy of each head tried, and of nearest-centroid. */
  candidates: {
    kind: FaceHeadKind | "nearest-centroid";
    valAccuracy: number;
    valLoss: number | null;
    bestEpoch: number | null;
  }[];
  evaluation: Evaluation;
  history: History;
  rejection: { kind: RejectionKind; threshold: number };
  /** At the chosen threshold: known validation faces accepted and correct (full model), strangers rejected (folds). */
  openSet: {
    knownAcceptedCorrect: number;
    strangersRejected: number;
    foldKnownAcceptedCorrect: number;
    folds: number[][];
    strangers: number;
    curves: Record<RejectionKind, TradeOffPoint[]>;
    external?: { name: string; n: number; rejected: number };
  };
  exported: ExportResult;
  files: Record<string, string>;
  seconds: number;
}

const quietReporter = (): FitReporter => collectingReporter([]);

/** Train one head with the project's fit loop; returns the model with its best weights restored. */
async function trainHead(
  kind: FaceHeadKind,
  labels: string[],
  train: HeadExample[],
  validation: HeadExample[],
  options: FaceTrainingOptions,
  runDir: string,
  reporter: FitReporter,
): Promise<{ model: tf.LayersModel; history: History; bestEpoch: number; evaluation: Evaluation }> {
  const model = buildFaceHead(kind, labels.length, options.seed, classCentroids(train, labels.length));
  const data = descriptorTrainingData({ labels, seed: options.seed, train, validation });
  const checkpointDir = join(runDir, RUN_FILES.checkpoints);
  await rm(checkpointDir, { recursive: true, force: true });
  // val_loss, not val_accuracy: accuracy saturates near 100 % within a few epochs, and the
  // open-set threshold needs the better-calibrated probabilities of the lowest loss.
  const monitor = "val_loss" as const;
  const result = await fit(
    { model, data, checkpointDir, reporter, runConfig: { kind, labels, seed: options.seed } },
    {
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: options.seed,
      schedule: {
        // The imprinted head starts at a good solution; fine-tune it gently.
        initialLearningRate: kind === "imprinted" ? options.learningRate / 10 : options.learningRate,
        decaySteps: options.decaySteps,
        decayRate: options.decayRate,
        staircase: true,
      },
      adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      fromLogits: true,
      checkpoint: { monitor, mode: "min" },
      earlyStopping:
        options.patience > 0 ? { monitor, mode: "min", minDelta: 0, patience: options.patience } : null,
      checkpointEverySeconds: 0,
    },
  );
  const best = await loadBestWeights(checkpointDir);
  if (!best) throw new MarqueeError("bad_request", "The face head finished without a completed epoch.");
  restoreModelWeights(model, best.weights);
  for (const w of best.weights) w.tensor.dispose();
  const evaluation = await evaluateModel(model, data.validationBatches({ batchSize: 256 }), {
    imageSize: 128,
    numClasses: labels.length,
    fromLogits: true,
  });
  return { model, history: result.history, bestEpoch: best.epoch + 1, evaluation };
}

/** Score examples with an export model (head + centroids) exactly as the edge will. */
function scoreFaces(
  exportHead: tf.LayersModel,
  meta: FaceHeadMetadata,
  examples: readonly HeadExample[],
  actual: (e: HeadExample) => number,
): ScoredFace[] {
  const rows = predictRows(exportHead, examples);
  return rows.map((row, i) => {
    const c = classifyFaceHead(row, { ...meta, face: undefined });
    return {
      predicted: meta.labels.indexOf(c.bestMatch),
      actual: actual(examples[i]!),
      probability: c.score,
      distance: c.distance ?? Number.POSITIVE_INFINITY,
    };
  });
}

function nearestCentroidAccuracy(centroids: Float32Array[], examples: readonly HeadExample[]): number {
  let correct = 0;
  for (const e of examples) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    centroids.forEach((c, k) => {
      let d = 0;
      for (let i = 0; i < c.length; i++) d += (c[i]! - e.descriptor[i]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    if (best === e.label) correct++;
  }
  return examples.length ? correct / examples.length : Number.NaN;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** A head trained on every class, with its kind. */
type TrainedHead = Awaited<ReturnType<typeof trainHead>> & { kind: FaceHeadKind };

/** Wall-clock phases of a run, for the report's timings. */
function phaseClock() {
  const phases: Array<{ name: string; seconds: number }> = [];
  let phaseStart = performance.now();
  return {
    phases,
    /** Close the phase that started at the previous call (or at creation). */
    end(name: string) {
      phases.push({ name, seconds: (performance.now() - phaseStart) / 1000 });
      phaseStart = performance.now();
    },
  };
}

/**
 * Step 1: train every candidate head on all classes and sort them by validation accuracy (then loss);
 * the first is the chosen one. Also measures nearest-centroid for comparison.
 */
async function trainCandidateHeads(
  labels: string[],
  train: HeadExample[],
  validation: HeadExample[],
  options: FaceTrainingOptions,
  reporter: FitReporter,
  log: (line: string) => void,
): Promise<{ trained: TrainedHead[]; centroids: Float32Array[]; ncAccuracy: number }> {
  const kinds: FaceHeadKind[] = options.head === "auto" ? [...FACE_HEAD_KINDS] : [options.head];
  const trained: TrainedHead[] = [];
  for (const kind of kinds) {
    log(`Training the ${kind} head on ${train.length} faces (validation ${validation.length})…`);
    const runDir = join(options.outDir, "heads", kind);
    const t = await trainHead(kind, labels, train, validation, options, runDir, reporter);
    log(
      `  ${kind}: best epoch ${t.bestEpoch}, validation accuracy ${pct(t.evaluation.accuracy)}, loss ${t.evaluation.loss.toFixed(4)}`,
    );
    trained.push({ ...t, kind });
  }
  const centroids = classCentroids(train, labels.length);
  const ncAccuracy = nearestCentroidAccuracy(centroids, validation);
  log(`  nearest-centroid: validation accuracy ${pct(ncAccuracy)}`);
  trained.sort(
    (a, b) => b.evaluation.accuracy - a.evaluation.accuracy || a.evaluation.loss - b.evaluation.loss,
  );
  log(`Chosen head: ${trained[0]!.kind}.`);
  return { trained, centroids, ncAccuracy };
}

/**
 * Step 2: strangers from leave-k-classes-out folds, each a head of the chosen kind trained on the other
 * classes; their known and stranger faces scored exactly as the edge will.
 */
async function strangerFoldScores(
  kind: FaceHeadKind,
  labels: string[],
  train: HeadExample[],
  validation: HeadExample[],
  options: FaceTrainingOptions,
  log: (line: string) => void,
): Promise<{ folds: number[][]; known: ScoredFace[]; strangers: ScoredFace[] }> {
  const folds = strangerFolds(labels.length, options.strangerFoldSize, options.seed);
  const known: ScoredFace[] = [];
  const strangers: ScoredFace[] = [];
  for (const [f, heldOut] of folds.entries()) {
    const keep = labels.map((_, c) => c).filter((c) => !heldOut.includes(c));
    if (keep.length < 2) continue;
    const remap = new Map(keep.map((c, i) => [c, i]));
    const sub = (set: HeadExample[]) =>
      set
        .filter((e) => remap.has(e.label))
        .map((e) => ({ descriptor: e.descriptor, label: remap.get(e.label)! }));
    const subLabels = keep.map((c) => labels[c]!);
    log(`Stranger fold ${f + 1}/${folds.length}: holding out ${heldOut.map((c) => labels[c]).join(", ")}…`);
    const runDir = join(options.outDir, "heads", `fold-${f + 1}`);
    const t = await trainHead(kind, subLabels, sub(train), sub(validation), options, runDir, quietReporter());
    const foldHead = buildExportHead(t.model, kind, classCentroids(sub(train), keep.length), options.seed);
    t.model.dispose();
    const foldMeta: FaceHeadMetadata = { labels: subLabels, output: "logits", face: undefined };
    known.push(...scoreFaces(foldHead, foldMeta, sub(validation), (e) => e.label));
    const heldOutFaces = [...train, ...validation].filter((e) => heldOut.includes(e.label));
    strangers.push(...scoreFaces(foldHead, foldMeta, heldOutFaces, () => -1));
    foldHead.dispose();
  }
  await rm(join(options.outDir, "heads"), { recursive: true, force: true });
  return { folds, known, strangers };
}

/** Step 3: the rejection rule and threshold from the folds' trade-off curves. */
function chooseRejection(
  scores: { folds: number[][]; known: ScoredFace[]; strangers: ScoredFace[] },
  options: FaceTrainingOptions,
  log: (line: string) => void,
) {
  const curves = {
    probability: tradeOffCurve("probability", scores.known, scores.strangers),
    distance: tradeOffCurve("distance", scores.known, scores.strangers),
  };
  const kind: RejectionKind =
    options.rejection ??
    (balancedScore(curves.distance) >= balancedScore(curves.probability) ? "distance" : "probability");
  const point = pickThreshold(curves[kind], options.minStrangersRejected);
  log(
    `Open set (${scores.strangers.length} stranger faces in ${scores.folds.length} leave-${options.strangerFoldSize}-classes-out folds): ${kind} rule, threshold ${point.threshold} → strangers rejected ${pct(point.strangersRejected)}, known accepted & correct ${pct(point.knownAcceptedCorrect)} (fold heads). Best worst-case rate: probability ${pct(balancedScore(curves.probability))}, distance ${pct(balancedScore(curves.distance))}.`,
  );
  return { curves, rejection: { kind, threshold: point.threshold }, point };
}

/** Step 4: the final model at the threshold on its own validation faces, and on any external strangers. */
function scoreFinalModel(
  exportHead: tf.LayersModel,
  labels: string[],
  validation: HeadExample[],
  rejection: { kind: RejectionKind; threshold: number },
  options: FaceTrainingOptions,
  log: (line: string) => void,
): { knownAcceptedCorrect: number; external?: FaceTrainingOutcome["openSet"]["external"] } {
  const meta: FaceHeadMetadata = { labels, output: "logits", face: undefined };
  const known = scoreFaces(exportHead, meta, validation, (e) => e.label);
  const finalPoint = tradeOffCurve(rejection.kind, known, [], [rejection.threshold])[0]!;
  const ext = options.externalStrangers;
  if (!ext?.descriptors.length) return { knownAcceptedCorrect: finalPoint.knownAcceptedCorrect };
  const examples = headExamples(ext.descriptors.map((descriptor) => ({ descriptor, label: -1 })));
  const scored = scoreFaces(exportHead, meta, examples, () => -1);
  const rejected = tradeOffCurve(rejection.kind, [], scored, [rejection.threshold])[0]!.strangersRejected;
  log(`External strangers (${ext.name}, ${scored.length} faces): ${pct(rejected)} rejected.`);
  return {
    knownAcceptedCorrect: finalPoint.knownAcceptedCorrect,
    external: { name: ext.name, n: scored.length, rejected },
  };
}

/** What a face model's metadata.json says about its kind: the head's input is a 128-d descriptor. */
function faceTaskMetadata(
  kind: FaceHeadKind,
  options: FaceTrainingOptions,
  rejection: { kind: RejectionKind; threshold: number },
): TaskMetadata {
  return {
    pipeline: "face",
    architecture: `face-head-${kind}+centroids`,
    // These describe the embedder's aligned face crop.
    input: { width: 150, height: 150, channels: 3 },
    preprocessing: {
      resize: "bilinear",
      fit: "stretch",
      normalization: { kind: "scale", scale: 1, offset: 0 },
    },
    output: "logits",
    face: { ...faceSettingsFor(options.pipeline), rejection },
  };
}

/** Everything a finished face run decided, for its metadata, run folder and outcome. */
interface FaceRun {
  chosen: TrainedHead;
  candidates: FaceTrainingOutcome["candidates"];
  openSet: FaceTrainingOutcome["openSet"];
  rejection: { kind: RejectionKind; threshold: number };
  /** The chosen head with the centroids, as exported. */
  exportHead: tf.LayersModel;
  task: TaskMetadata;
  createdAt: string;
  backend: string;
  /** performance.now() at the run's start. */
  started: number;
}

/** metadata.json of a finished face run. */
function faceMetadata(ds: FaceDataset, options: FaceTrainingOptions, run: FaceRun) {
  const { chosen } = run;
  return runMetadata({
    name: options.name,
    createdAt: run.createdAt,
    labels: ds.classNames,
    dataset: ds.metadata(),
    task: run.task,
    training: {
      backend: run.backend,
      epochs: chosen.history.epoch.length,
      bestEpoch: chosen.bestEpoch,
      batchSize: options.batchSize,
      optimizer: describeAdam({ ...options, staircase: true }),
      parameters: run.exportHead.countParams(),
      seconds: Math.round(((performance.now() - run.started) / 1000) * 10) / 10,
    },
    evaluation: chosen.evaluation,
    trainAccuracy: chosen.history.accuracy[chosen.bestEpoch - 1] ?? null,
    extraMetrics: {
      knownAcceptedCorrect: run.openSet.knownAcceptedCorrect,
      strangersRejected: run.openSet.strangersRejected,
    },
  });
}

/** report.html's content for a finished face run. */
function faceReport(
  ds: FaceDataset,
  options: FaceTrainingOptions,
  run: FaceRun & { exported: ExportResult; phases: Array<{ name: string; seconds: number }> },
): TrainingReportInput {
  const { chosen, openSet } = run;
  const external = openSet.external;
  return {
    name: options.name,
    architecture: run.task.architecture,
    createdAt: run.createdAt,
    labels: ds.classNames,
    history: chosen.history,
    bestEpoch: chosen.bestEpoch,
    stopReason: chosen.history.epoch.length < options.epochs ? "early_stopping" : "completed",
    evaluation: chosen.evaluation,
    exported: { dir: run.exported.dir, weightBytes: run.exported.weightBytes, weightDtype: "float32" },
    parameters: run.exportHead.countParams(),
    dataset: summarizeDataset(ds),
    configuration: { ...options, externalStrangers: options.externalStrangers?.name ?? null },
    environment: runEnvironment(run.backend),
    timings: {
      phases: [{ name: "face embedding (this run)", seconds: ds.stats.seconds }, ...run.phases],
      totalSeconds: ds.stats.seconds + (performance.now() - run.started) / 1000,
    },
    ...faceReportParts({
      openSet: {
        curves: openSet.curves,
        chosen: run.rejection,
        knownAcceptedCorrect: openSet.knownAcceptedCorrect,
        strangersRejected: openSet.strangersRejected,
        strangers: openSet.strangers,
        method: `Strangers: every photo of the held-out classes in ${openSet.folds.length} leave-${options.strangerFoldSize}-classes-out folds (a head of the chosen kind trained on the other classes each time); known: those classes' validation faces. Known accepted & correct above is the final model's on its validation faces.`,
      },
      noFace: ds.noFace,
      facts: [
        ...run.candidates.map(
          (c) =>
            [`${c.kind} validation accuracy`, `${(c.valAccuracy * 100).toFixed(2)}%`] as [string, string],
        ),
        ["photos found by the padded retry (tight crops)", ds.paddedRetry],
        ["photos embedded / cached this run", `${ds.stats.embedded} / ${ds.stats.cached}`],
        ...(external
          ? [
              [
                `external strangers rejected (${external.name}, ${external.n})`,
                `${(external.rejected * 100).toFixed(2)}%`,
              ] as [string, string],
            ]
          : []),
      ],
    }),
  };
}

/**
 * Export the face model and write its run folder: history.json, evaluation.json (with the head
 * candidates and the photos without a face), open-set.json, the charts with the trade-off, report.html.
 */
async function writeFaceRunFolder(
  ds: FaceDataset,
  options: FaceTrainingOptions,
  run: FaceRun,
  clock: ReturnType<typeof phaseClock>,
  log: (line: string) => void,
): Promise<{ exported: ExportResult; files: Record<string, string> }> {
  const labels = ds.classNames;
  const { chosen, rejection, openSet } = run;
  const written = await writeRunFolder({
    outDir: options.outDir,
    export: { model: run.exportHead, metadata: faceMetadata(ds, options, run) },
    history: { model: `face-head-${chosen.kind}`, bestEpoch: chosen.bestEpoch, history: chosen.history },
    evaluation: {
      ...evaluationJson(chosen.bestEpoch, labels, chosen.evaluation),
      candidates: run.candidates,
      noFace: ds.noFace,
    },
    json: {
      openSet: {
        file: "open-set.json",
        body: { rejection, ...openSet, folds: openSet.folds.map((f) => f.map((c) => labels[c])) },
      },
    },
    charts: options.charts
      ? {
          history: chosen.history,
          labels,
          evaluation: chosen.evaluation,
          extra: {
            openSetChart: {
              file: "open-set-tradeoff.png",
              spec: () =>
                openSetTradeOffSpec(openSet.curves, rejection, undefined, options.minStrangersRejected),
            },
          },
        }
      : null,
    report: ({ exported }) => {
      clock.end("export and charts");
      return faceReport(ds, options, { ...run, exported, phases: clock.phases });
    },
    log,
  });
  const files: Record<string, string> = {
    history: written.history,
    evaluation: written.evaluation,
    ...written.json,
    ...written.charts,
    ...written.extraCharts,
    ...(written.report ? { report: written.report } : {}),
  };
  return { exported: written.exported, files };
}

/**
 * Train the face head end to end on an embedded, split dataset: fit the candidate heads with the
 * project's fit loop (best-weights checkpoint, early stopping), keep the best on validation, compare
 * with nearest-centroid, calibrate the open-set rule on leave-k-classes-out strangers, then export
 * head + centroids atomically with metadata.json (pipeline "face") and write history.json,
 * evaluation.json, open-set.json and the charts (curves, confusion matrix, per-class, trade-off).
 */
export async function trainFaceModel(
  ds: FaceDataset,
  options: FaceTrainingOptions,
  deps: { backend: string; reporter?: FitReporter; log?: (line: string) => void } = {
    backend: tf.getBackend(),
  },
): Promise<FaceTrainingOutcome> {
  const started = performance.now();
  const log = deps.log ?? ((line: string) => console.log(line));
  const labels = ds.classNames;
  const train = headExamples(ds.train);
  const validation = headExamples(ds.validation);
  if (train.length === 0)
    throw new MarqueeError("bad_request", "No training faces: the training split is empty.");
  if (validation.length === 0)
    throw new MarqueeError(
      "bad_request",
      "The validation split has no faces; use a larger --validation-split.",
    );
  await mkdir(options.outDir, { recursive: true });
  const clock = phaseClock();

  const reporter = deps.reporter ?? consoleReporter();
  const heads = await trainCandidateHeads(labels, train, validation, options, reporter, log);
  const chosen = heads.trained[0]!;
  for (const t of heads.trained.slice(1)) t.model.dispose();
  clock.end(`training ${heads.trained.length} candidate head(s)`);
  const exportHead = buildExportHead(chosen.model, chosen.kind, heads.centroids, options.seed);
  chosen.model.dispose();
  try {
    const scores = await strangerFoldScores(chosen.kind, labels, train, validation, options, log);
    clock.end(`open-set folds (${scores.folds.length} heads)`);
    const { curves, rejection, point } = chooseRejection(scores, options, log);
    const final = scoreFinalModel(exportHead, labels, validation, rejection, options, log);
    log(
      `Final model on validation: accuracy ${pct(chosen.evaluation.accuracy)}; at the threshold ${pct(final.knownAcceptedCorrect)} accepted & correct.`,
    );
    const run: FaceRun = {
      chosen,
      candidates: [
        ...heads.trained.map((t) => ({
          kind: t.kind,
          valAccuracy: t.evaluation.accuracy,
          valLoss: t.evaluation.loss,
          bestEpoch: t.bestEpoch,
        })),
        { kind: "nearest-centroid", valAccuracy: heads.ncAccuracy, valLoss: null, bestEpoch: null },
      ],
      openSet: {
        knownAcceptedCorrect: final.knownAcceptedCorrect,
        strangersRejected: point.strangersRejected,
        foldKnownAcceptedCorrect: point.knownAcceptedCorrect,
        folds: scores.folds,
        strangers: scores.strangers.length,
        curves,
        ...(final.external ? { external: final.external } : {}),
      },
      rejection,
      exportHead,
      task: faceTaskMetadata(chosen.kind, options, rejection),
      createdAt: new Date().toISOString(),
      backend: deps.backend,
      started,
    };
    const { exported, files } = await writeFaceRunFolder(ds, options, run, clock, log);
    return {
      head: chosen.kind,
      candidates: run.candidates,
      evaluation: chosen.evaluation,
      history: chosen.history,
      rejection,
      openSet: run.openSet,
      exported,
      files,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    exportHead.dispose();
  }
}
