/**
 * @module
 * What the `face` task does (its descriptor is face.ts): shared's pretrained face pipeline (detect, align, embed) plus a small trained head
 * and an open-set rule (trainer/src/face). Train = embed (cached), train and choose the head, calibrate
 * the rule on stranger folds, export; evaluate = known and stranger figures on a labelled folder;
 * predict = every face in each photo, as the worker answers.
 */
import { basename, resolve } from "node:path";
import { selectBackend } from "../backend/index.ts";
import { defaultCacheDir } from "../data/image-cache.ts";
import type { DataLog } from "../data/types.ts";
import type { LoadedExport } from "../export/load-model.ts";
import { embedFolder, loadFaceDataset } from "../face/embed-dataset.ts";
import { evaluateFaceModel, formatFaceEvaluation } from "../face/evaluate-face.ts";
import { DEFAULT_FACE_PIPELINE } from "../face/face-pipeline.ts";
import { formatFacePhotoResults, predictFacePhotos } from "../face/predict-photos.ts";
import { DEFAULT_FACE_TRAINING, type FaceTrainingOptions, trainFaceModel } from "../face/train-face.ts";
import { FACE_TRAIN_DEFAULTS } from "./defaults.ts";
import type { EvaluateFlags, PredictFlags, TrainFlags } from "./flags.ts";
import { runNames } from "./run-names.ts";
import { closingLines, quietEpochReporter } from "./run-summary.ts";
import type { TaskRunner } from "./task.ts";

/** Descriptors of the faces in `dir` whose folder is not one of `known` (e.g. five-celeb against celeb17). */
async function strangerDescriptors(
  dir: string,
  cacheDir: string,
  known: Set<string>,
  workers: number | undefined,
): Promise<NonNullable<FaceTrainingOptions["externalStrangers"]>> {
  const folder = await embedFolder(resolve(dir), {
    cacheDir,
    minClasses: 1,
    ...(workers === undefined ? {} : { workers }),
  });
  const descriptors = folder.results.flatMap((r, i) =>
    r.status === "face" && !known.has(folder.classNames[folder.files[i]!.classIndex]!) ? [r.descriptor] : [],
  );
  return { name: basename(resolve(dir)), descriptors };
}

async function train(given: TrainFlags): Promise<number> {
  const o = { ...FACE_TRAIN_DEFAULTS, ...given };
  const started = performance.now();
  const dataDir = resolve(o.data!);
  const names = runNames({ ...given, data: dataDir, model: "face" });
  // One status line per head on a terminal instead of a line per epoch; cleared before each line.
  const reporter = quietEpochReporter();
  const log = (line: string) => {
    reporter.clear();
    console.log(line);
  };
  const backend = await selectBackend(o.backend, log);
  const cacheDir = o.cacheDir ? resolve(o.cacheDir) : defaultCacheDir();
  const ds = await loadFaceDataset(dataDir, {
    cacheDir,
    validationSplit: o.validationSplit,
    seed: o.seed,
    ...(o.validationData ? { validationDir: resolve(o.validationData) } : {}),
    ...(o.workers === undefined ? {} : { workers: o.workers }),
  });
  const externalStrangers = o.strangers
    ? await strangerDescriptors(o.strangers, cacheDir, new Set(ds.classNames), o.workers)
    : undefined;
  const options: FaceTrainingOptions = {
    ...DEFAULT_FACE_TRAINING,
    outDir: names.outDir,
    name: names.name,
    head: o.head,
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    learningRate: o.learningRate,
    decaySteps: o.decaySteps,
    decayRate: o.decayRate,
    patience: o.patience,
    charts: o.charts,
    pipeline: DEFAULT_FACE_PIPELINE,
    ...(o.rejection ? { rejection: o.rejection } : {}),
    ...(externalStrangers ? { externalStrangers } : {}),
  };
  const outcome = await trainFaceModel(ds, options, { backend: backend.name, reporter, log });
  reporter.clear();
  const seconds = (performance.now() - started) / 1000;
  const ev = outcome.evaluation;
  const result =
    `Done in ${seconds.toFixed(1)} s (embedding ${ds.stats.seconds.toFixed(1)} s for ${ds.stats.embedded} photos, ${ds.stats.cached} cached). ` +
    `Head ${outcome.head}: validation accuracy ${(ev.accuracy * 100).toFixed(1)}% on ${ev.count} faces of ${ds.classNames.length} people; ` +
    `${(outcome.openSet.strangersRejected * 100).toFixed(0)}% of strangers rejected (${outcome.rejection.kind} rule).`;
  for (const line of closingLines({
    result,
    evaluation: ev,
    labels: ds.classNames,
    modelDir: outcome.exported.dir,
    name: names.name,
  }))
    console.log(line);
  return 0;
}

/** Progress and warnings on stderr, so `--json` leaves stdout to the one JSON object. */
const stderrLog: DataLog = {
  info: (line) => process.stderr.write(`${line}\n`),
  warn: (line) => process.stderr.write(`warning: ${line}\n`),
};

async function evaluate(loaded: LoadedExport, o: EvaluateFlags): Promise<number> {
  const ev = await evaluateFaceModel(loaded, resolve(o.data), {
    modelDir: o.modelDir,
    log: o.json ? stderrLog : { info: (l) => console.log(l), warn: (l) => console.warn(`warning: ${l}`) },
    ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
  });
  if (o.json) process.stdout.write(`${JSON.stringify(ev)}\n`);
  else console.log(formatFaceEvaluation(ev));
  return 0;
}

async function predict(
  loaded: LoadedExport,
  photos: string[],
  o: PredictFlags & { modelDir: string },
): Promise<number> {
  // Every face: box (fractions of the photo), detection score, label or "unknown", score, top-k.
  const results = await predictFacePhotos(loaded, photos, { top: o.top });
  if (o.json) {
    const model = { name: loaded.metadata.name, version: loaded.metadata.version, dir: o.modelDir };
    console.log(JSON.stringify({ model, results }, null, 2));
  } else console.log(formatFacePhotoResults(results));
  return results.some((r) => "error" in r) ? 1 : 0;
}

/** The face task's work, loaded only once the flags are checked. */
export const faceRunner: TaskRunner = { train, evaluate, predict };
