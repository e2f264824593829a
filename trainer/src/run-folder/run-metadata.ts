/**
 * @module
 * metadata.json for a finished run, built the same way for every task: the artefact format's fixed
 * fields, the training summary and the validation metrics of the exported weights. The task supplies
 * what only it knows (pipeline, architecture, input, preprocessing, face settings).
 */
import { ARTIFACT_FORMAT_VERSION, type ModelMetadata } from "@marquee/shared";
import type { Evaluation } from "../train/evaluate.ts";

/** What a task knows about its export that the run does not. */
export type TaskMetadata = Pick<
  ModelMetadata,
  "pipeline" | "architecture" | "input" | "preprocessing" | "output" | "face"
>;

/** The optimiser as metadata.json and the report show it, e.g. `adam(lr=0.001, decay 0.96 every 100 steps, staircase)`. */
export function describeAdam(o: {
  learningRate: number;
  decayRate: number;
  decaySteps: number;
  staircase: boolean;
}): string {
  return `adam(lr=${o.learningRate}, decay ${o.decayRate} every ${o.decaySteps} steps${o.staircase ? ", staircase" : ""})`;
}

/**
 * metadata.json (without `weights`, which the export fills in) for a run that ends now.
 *
 * @example
 * const metadata = runMetadata({ name, createdAt, labels, dataset, task, training, evaluation, trainAccuracy });
 */
export function runMetadata(o: {
  name: string;
  /** ISO time; also the model's version. */
  createdAt: string;
  labels: string[];
  dataset: ModelMetadata["dataset"];
  task: TaskMetadata;
  training: ModelMetadata["training"];
  /** The exported weights on the validation set. */
  evaluation: Evaluation;
  /** Training accuracy at the best epoch. */
  trainAccuracy: number | null;
  /** Task-specific metrics (face: knownAcceptedCorrect, strangersRejected). */
  extraMetrics?: Partial<ModelMetadata["metrics"]>;
}): Omit<ModelMetadata, "weights"> {
  const { task, evaluation } = o;
  return {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    name: o.name,
    version: o.createdAt,
    createdAt: o.createdAt,
    pipeline: task.pipeline,
    architecture: task.architecture,
    labels: o.labels,
    input: task.input,
    preprocessing: task.preprocessing,
    output: task.output,
    ...(task.face ? { face: task.face } : {}),
    dataset: o.dataset,
    training: o.training,
    metrics: {
      valAccuracy: evaluation.accuracy,
      valLoss: Number.isFinite(evaluation.loss) ? evaluation.loss : null,
      trainAccuracy: o.trainAccuracy,
      perClassAccuracy: perClassByLabel(o.labels, evaluation),
      ...o.extraMetrics,
    },
  };
}

/** Per-class accuracy keyed by label (null for a class without validation images). */
export function perClassByLabel(labels: string[], evaluation: Pick<Evaluation, "perClassAccuracy">) {
  return Object.fromEntries(labels.map((l, i) => [l, evaluation.perClassAccuracy[i] ?? null]));
}
