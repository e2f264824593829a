import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ARTIFACT_FORMAT_VERSION, MarqueeError, type ModelMetadata } from "@marquee/shared";
import { classifyFaceHead, type FaceHeadMetadata } from "@marquee/shared/face";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic } from "../export/durable-fs.ts";
import { type ExportResult, exportModel } from "../export/export-model.ts";
import { writeTrainingCharts } from "../report/charts.ts";
import { summarizeDataset } from "../report/dataset-summary.ts";
import { runEnvironment } from "../report/environment.ts";
import { renderSpecToPng } from "../report/render.ts";
import { REPORT_FILE, writeTrainingReport } from "../report/report-html.ts";
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

/** Defaults: a small head trains in seconds; Adam 0.01 decaying 4 % every 100 steps. */
export const DEFAULT_FACE_TRAINING: Omit<FaceTrainingOptions, "outDir" | "name"> = Object.freeze({
  head: "auto",
  epochs: 100,
  batchSize: 32,
  seed: 123,
  learningRate: 0.01,
  decaySteps: 100,
  decayRate: 0.96,
  patience: 20,
  strangerFoldSize: 3,
  minStrangersRejected: 0.95,
  charts: true,
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
  const checkpointDir = join(runDir, "checkpoints");
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
  const reporter = deps.reporter ?? consoleReporter();
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

  const phases: Array<{ name: string; seconds: number }> = [];
  let phaseStart = performance.now();
  const phase = (name: string) => {
    phases.push({ name, seconds: (performance.now() - phaseStart) / 1000 });
    phaseStart = performance.now();
  };

  // 1. Candidate heads, chosen by validation accuracy (then loss).
  const kinds: FaceHeadKind[] = options.head === "auto" ? [...FACE_HEAD_KINDS] : [options.head];
  const trained: Array<Awaited<ReturnType<typeof trainHead>> & { kind: FaceHeadKind }> = [];
  for (const kind of kinds) {
    log(`Training the ${kind} head on ${train.length} faces (validation ${validation.length})…`);
    const t = await trainHead(
      kind,
      labels,
      train,
      validation,
      options,
      join(options.outDir, "heads", kind),
      reporter,
    );
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
  const chosen = trained[0]!;
  for (const t of trained.slice(1)) t.model.dispose();
  log(`Chosen head: ${chosen.kind}.`);
  phase(`training ${trained.length} candidate head(s)`);

  const exportHead = buildExportHead(chosen.model, chosen.kind, centroids, options.seed);
  chosen.model.dispose();
  const metaBase: FaceHeadMetadata = { labels, output: "logits", face: undefined };

  // 2. Strangers: leave-k-classes-out folds, each a head of the chosen kind on the other classes.
  const folds = strangerFolds(labels.length, options.strangerFoldSize, options.seed);
  const foldKnown: ScoredFace[] = [];
  const foldStrangers: ScoredFace[] = [];
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
    const t = await trainHead(
      chosen.kind,
      subLabels,
      sub(train),
      sub(validation),
      options,
      join(options.outDir, "heads", `fold-${f + 1}`),
      quietReporter(),
    );
    const foldHead = buildExportHead(
      t.model,
      chosen.kind,
      classCentroids(sub(train), keep.length),
      options.seed,
    );
    t.model.dispose();
    const foldMeta = { ...metaBase, labels: subLabels };
    foldKnown.push(...scoreFaces(foldHead, foldMeta, sub(validation), (e) => e.label));
    const strangers = [...train, ...validation].filter((e) => heldOut.includes(e.label));
    foldStrangers.push(...scoreFaces(foldHead, foldMeta, strangers, () => -1));
    foldHead.dispose();
  }
  await rm(join(options.outDir, "heads"), { recursive: true, force: true });

  phase(`open-set folds (${folds.length} heads)`);
  const curves = {
    probability: tradeOffCurve("probability", foldKnown, foldStrangers),
    distance: tradeOffCurve("distance", foldKnown, foldStrangers),
  };
  const kind: RejectionKind =
    options.rejection ??
    (balancedScore(curves.distance) >= balancedScore(curves.probability) ? "distance" : "probability");
  const point = pickThreshold(curves[kind], options.minStrangersRejected);
  log(
    `Open set (${foldStrangers.length} stranger faces in ${folds.length} leave-${options.strangerFoldSize}-classes-out folds): ${kind} rule, threshold ${point.threshold} → strangers rejected ${pct(point.strangersRejected)}, known accepted & correct ${pct(point.knownAcceptedCorrect)} (fold heads). Best worst-case rate: probability ${pct(balancedScore(curves.probability))}, distance ${pct(balancedScore(curves.distance))}.`,
  );

  // 3. The final model at that threshold on its own validation faces (and any external strangers).
  const rejection = { kind, threshold: point.threshold };
  const finalMeta: FaceHeadMetadata = { ...metaBase };
  const known = scoreFaces(exportHead, finalMeta, validation, (e) => e.label);
  const finalPoint = tradeOffCurve(kind, known, [], [point.threshold])[0]!;
  let external: FaceTrainingOutcome["openSet"]["external"];
  if (options.externalStrangers?.descriptors.length) {
    const ext = headExamples(
      options.externalStrangers.descriptors.map((descriptor) => ({ descriptor, label: -1 })),
    );
    const scored = scoreFaces(exportHead, finalMeta, ext, () => -1);
    const rejected = tradeOffCurve(kind, [], scored, [point.threshold])[0]!.strangersRejected;
    external = { name: options.externalStrangers.name, n: scored.length, rejected };
    log(`External strangers (${external.name}, ${external.n} faces): ${pct(rejected)} rejected.`);
  }
  log(
    `Final model on validation: accuracy ${pct(chosen.evaluation.accuracy)}; at the threshold ${pct(finalPoint.knownAcceptedCorrect)} accepted & correct.`,
  );

  // 4. Export, atomically, with validated metadata.
  const now = new Date().toISOString();
  const evaluation = chosen.evaluation;
  const parameters = exportHead.countParams();
  const metadata: Omit<ModelMetadata, "weights"> = {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    name: options.name,
    version: now,
    createdAt: now,
    pipeline: "face",
    architecture: `face-head-${chosen.kind}+centroids`,
    labels,
    // The head's input is a 128-d descriptor; these describe the embedder's aligned face crop.
    input: { width: 150, height: 150, channels: 3 },
    preprocessing: {
      resize: "bilinear",
      fit: "stretch",
      normalization: { kind: "scale", scale: 1, offset: 0 },
    },
    output: "logits",
    face: { ...faceSettingsFor(options.pipeline), rejection },
    dataset: ds.metadata(),
    training: {
      backend: deps.backend,
      epochs: chosen.history.epoch.length,
      bestEpoch: chosen.bestEpoch,
      batchSize: options.batchSize,
      optimizer: `adam(lr=${options.learningRate}, decay ${options.decayRate} every ${options.decaySteps} steps, staircase)`,
      parameters,
      seconds: Math.round(((performance.now() - started) / 1000) * 10) / 10,
    },
    metrics: {
      valAccuracy: evaluation.accuracy,
      valLoss: Number.isFinite(evaluation.loss) ? evaluation.loss : null,
      trainAccuracy: chosen.history.accuracy[chosen.bestEpoch - 1] ?? null,
      perClassAccuracy: Object.fromEntries(labels.map((l, i) => [l, evaluation.perClassAccuracy[i] ?? null])),
      knownAcceptedCorrect: finalPoint.knownAcceptedCorrect,
      strangersRejected: point.strangersRejected,
    },
  };
  const exported = await exportModel(exportHead, { dir: join(options.outDir, "model"), metadata });
  exportHead.dispose();
  log(`Exported the face head (${exported.weightBytes} bytes of weights) to ${exported.dir}.`);

  const files: Record<string, string> = {};
  const candidates: FaceTrainingOutcome["candidates"] = [
    ...trained.map((t) => ({
      kind: t.kind,
      valAccuracy: t.evaluation.accuracy,
      valLoss: t.evaluation.loss,
      bestEpoch: t.bestEpoch,
    })),
    { kind: "nearest-centroid" as const, valAccuracy: ncAccuracy, valLoss: null, bestEpoch: null },
  ];
  files.history = join(options.outDir, "history.json");
  await writeFileAtomic(
    files.history,
    `${JSON.stringify({ model: `face-head-${chosen.kind}`, bestEpoch: chosen.bestEpoch, history: chosen.history }, null, 2)}\n`,
  );
  files.evaluation = join(options.outDir, "evaluation.json");
  await writeFileAtomic(
    files.evaluation,
    `${JSON.stringify(
      {
        bestEpoch: chosen.bestEpoch,
        labels,
        count: evaluation.count,
        loss: evaluation.loss,
        accuracy: evaluation.accuracy,
        perClassAccuracy: Object.fromEntries(
          labels.map((l, i) => [l, evaluation.perClassAccuracy[i] ?? null]),
        ),
        confusion: evaluation.confusion,
        candidates,
        noFace: ds.noFace,
      },
      null,
      2,
    )}\n`,
  );
  const openSet: FaceTrainingOutcome["openSet"] = {
    knownAcceptedCorrect: finalPoint.knownAcceptedCorrect,
    strangersRejected: point.strangersRejected,
    foldKnownAcceptedCorrect: point.knownAcceptedCorrect,
    folds,
    strangers: foldStrangers.length,
    curves,
    ...(external ? { external } : {}),
  };
  files.openSet = join(options.outDir, "open-set.json");
  await writeFileAtomic(
    files.openSet,
    `${JSON.stringify({ rejection, ...openSet, folds: folds.map((f) => f.map((c) => labels[c])) }, null, 2)}\n`,
  );
  if (options.charts) {
    try {
      Object.assign(
        files,
        await writeTrainingCharts(options.outDir, { history: chosen.history, labels, evaluation }),
      );
      files.openSetChart = join(options.outDir, "open-set-tradeoff.png");
      await writeFileAtomic(
        files.openSetChart,
        await renderSpecToPng(openSetTradeOffSpec(curves, rejection)),
      );
    } catch (err) {
      log(`warning: could not draw the charts: ${(err as Error).message}`);
    }
  }
  try {
    phase("export and charts");
    files.report = join(options.outDir, REPORT_FILE);
    await writeTrainingReport(files.report, {
      name: options.name,
      pipeline: "face",
      architecture: metadata.architecture,
      createdAt: now,
      labels,
      history: chosen.history,
      bestEpoch: chosen.bestEpoch,
      stopReason: chosen.history.epoch.length < options.epochs ? "early_stopping" : "completed",
      evaluation,
      exported: { dir: exported.dir, weightBytes: exported.weightBytes, weightDtype: "float32" },
      parameters,
      dataset: summarizeDataset(ds),
      configuration: { ...options, externalStrangers: options.externalStrangers?.name ?? null },
      environment: runEnvironment(deps.backend),
      timings: {
        phases: [{ name: "face embedding (this run)", seconds: ds.stats.seconds }, ...phases],
        totalSeconds: ds.stats.seconds + (performance.now() - started) / 1000,
      },
      face: {
        openSet: {
          curves,
          chosen: rejection,
          knownAcceptedCorrect: finalPoint.knownAcceptedCorrect,
          strangersRejected: point.strangersRejected,
          strangers: foldStrangers.length,
          method: `Strangers: every photo of the held-out classes in ${folds.length} leave-${options.strangerFoldSize}-classes-out folds (a head of the chosen kind trained on the other classes each time); known: those classes' validation faces. Known accepted & correct above is the final model's on its validation faces.`,
        },
        noFace: ds.noFace,
        facts: [
          ...candidates.map(
            (c) =>
              [`${c.kind} validation accuracy`, `${(c.valAccuracy * 100).toFixed(2)}%`] as [string, string],
          ),
          ["photos taken whole as tight crops", ds.wholeImage],
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
      },
    });
  } catch (err) {
    log(`warning: could not write ${REPORT_FILE}: ${(err as Error).message}`);
  }
  return {
    head: chosen.kind,
    candidates,
    evaluation,
    history: chosen.history,
    rejection,
    openSet,
    exported,
    files,
    seconds: (performance.now() - started) / 1000,
  };
}
