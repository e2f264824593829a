/**
 * @module
 * What the `image` task does (its descriptor is image.ts): a whole-image classifier (seed-cnn, vgg16) trained from pixels, as in the
 * tutorial. Train = decode and cache the photos, fit, evaluate, export (image/train-image-model.ts);
 * evaluate = accuracy and confusion on a labelled folder; predict = top classes per photo.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  decodeImage,
  isMarqueeError,
  MarqueeError,
  modelWorkingPixels,
  preprocessImage,
} from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend/index.ts";
import { loadImageDataset, silentLog, writeSampleGrid } from "../data/index.ts";
import { type ClassScore, classifyPixels, type LoadedExport } from "../export/load-model.ts";
import { trainingDataFromImageDataset } from "../image/image-dataset-adapter.ts";
import { resolveTrainingOptions } from "../image/options.ts";
import { trainImageModel } from "../image/train-image-model.ts";
import { buildArchitecture, type ModelName } from "../models/registry.ts";
import { summarize } from "../models/summary.ts";
import { writeEvaluationCharts } from "../report/charts.ts";
import { summarizeDataset } from "../report/dataset-summary.ts";
import type { TrainingBatch } from "../train/data-source.ts";
import { evaluateModel } from "../train/evaluate.ts";
import { IMAGE_EVALUATE_BATCH_SIZE, IMAGE_TRAIN_DEFAULTS } from "./defaults.ts";
import type { EvaluateFlags, PredictFlags, TrainFlags } from "./flags.ts";
import { runNames } from "./run-names.ts";
import { closingLines } from "./run-summary.ts";
import type { TaskRunner } from "./task.ts";

async function countClassFolders(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).length;
}

/** `--summary`: the Keras-style summary of the untrained architecture. */
async function printSummary(flags: TrainFlags & typeof IMAGE_TRAIN_DEFAULTS): Promise<number> {
  await tf.setBackend("cpu");
  const numClasses = flags.numClasses ?? (flags.data ? await countClassFolders(resolve(flags.data)) : 17);
  const m = buildArchitecture(flags.model, {
    numClasses,
    imageSize: flags.imageSize,
    seed: flags.seed,
    ...(flags.dropout === undefined ? {} : { dropout: flags.dropout }),
  });
  console.log(summarize(m));
  m.dispose();
  return 0;
}

/** Ctrl-C once: stop after this step and save a checkpoint; twice: quit at once. */
function interruptOnSignals(): AbortSignal {
  const controller = new AbortController();
  let interrupts = 0;
  const stop = () => {
    interrupts++;
    if (interrupts === 1) {
      console.error("\nStopping after this step and saving a checkpoint (Ctrl-C again to quit at once)…");
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return controller.signal;
}

async function train(given: TrainFlags): Promise<number> {
  const o = { ...IMAGE_TRAIN_DEFAULTS, ...given };
  if (o.summary) return printSummary(o);

  const dataDir = resolve(o.data!);
  const names = runNames({ ...given, data: dataDir, model: o.model });
  const outDir = names.outDir;
  const backend = await selectBackend(o.backend, (line) => console.log(line));

  const ds = await loadImageDataset(dataDir, {
    imageSize: o.imageSize,
    fit: o.fit,
    validationSplit: o.validationSplit,
    seed: o.seed,
    split: o.split,
    ...(o.validationData ? { validationDir: resolve(o.validationData) } : {}),
    ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
  });
  const grid = join(outDir, "samples.png");
  await writeSampleGrid(ds.split.train, ds.classNames, grid);
  console.log(`Sample grid: ${grid}`);

  const options = resolveTrainingOptions({
    model: o.model as ModelName,
    outDir,
    name: names.name,
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    learningRate: o.learningRate,
    decaySteps: o.decaySteps,
    decayRate: o.decayRate,
    staircase: o.staircase,
    dropout: o.dropout,
    patience: o.patience,
    minDelta: o.minDelta,
    checkpointEverySeconds: o.checkpointEvery,
    resume: o.resume,
    weightDtype: o.weights,
    fit: o.fit,
    charts: o.charts,
    // The default (every core) applies on wasm only; a --workers given for another backend was refused
    // in image.ts unless the backend was "auto", and then startTrainingPool says why it trains in-process.
    workers: given.workers ?? (backend.name === "wasm" ? o.workers : 1),
  });

  const outcome = await trainImageModel(options, {
    data: trainingDataFromImageDataset(ds, o.seed, o.imageSize),
    dataset: ds.metadata(),
    backend: backend.name,
    signal: interruptOnSignals(),
    report: { dataset: summarizeDataset(ds), samples: grid, decodeSeconds: ds.decodeSeconds },
  });
  if (outcome.stopReason === "interrupted") {
    console.log(
      `Interrupted. Continue with: pnpm train --model ${o.model} --data ${o.data} --out ${outDir} --resume`,
    );
    return 130;
  }
  console.log(`History: ${outcome.files.history}; evaluation: ${outcome.files.evaluation}`);
  if (outcome.files.charts) console.log(`Charts: ${Object.values(outcome.files.charts).join(", ")}`);
  const ev = outcome.evaluation!;
  const result = `Stopped: ${outcome.stopReason}. Best epoch ${outcome.bestEpoch}: validation accuracy ${(ev.accuracy * 100).toFixed(1)}% on ${ev.count} photos of ${ds.classNames.length} classes; total ${outcome.seconds.toFixed(0)} s on ${outcome.workers} worker${outcome.workers === 1 ? "" : "s"}.`;
  for (const line of closingLines({
    result,
    evaluation: ev,
    labels: ds.classNames,
    modelDir: outcome.exported!.dir,
    name: names.name,
  }))
    console.log(line);
  return 0;
}

async function evaluate(loaded: LoadedExport, o: EvaluateFlags): Promise<number> {
  const { metadata } = loaded;
  const batchSize = o.batchSize ?? IMAGE_EVALUATE_BATCH_SIZE;
  const ds = await loadImageDataset(resolve(o.data), {
    imageSize: { width: metadata.input.width, height: metadata.input.height },
    fit: metadata.preprocessing.fit,
    validationSplit: 0,
    ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
    ...(o.json ? { log: silentLog } : {}),
  });
  // Folder classes map to the model's labels by name; unknown folders are left out.
  const toLabel = ds.classNames.map((name) => metadata.labels.indexOf(name));
  const unknown = ds.classNames.filter((_, i) => toLabel[i] === -1);
  if (unknown.length === ds.classNames.length) {
    throw new MarqueeError(
      "bad_request",
      `None of the folders in ${o.data} is one of the model's labels (${metadata.labels.join(", ")}).`,
    );
  }
  const files = ds.files.filter((f) => toLabel[f.classIndex] !== -1);
  const iterator = ds.trainBatches({ batchSize, shuffle: false });
  const batches = (async function* (): AsyncGenerator<TrainingBatch> {
    for await (const b of iterator.epoch(0)) {
      const keep = Array.from(b.ys, (c, i) => (toLabel[c] === -1 ? -1 : i)).filter((i) => i >= 0);
      if (keep.length === 0) continue;
      const per = b.xs.length / b.ys.length;
      const xs = new Float32Array(keep.length * per);
      for (const [k, i] of keep.entries()) xs.set(b.xs.subarray(i * per, (i + 1) * per), k * per);
      yield { xs, ys: Int32Array.from(keep, (i) => toLabel[b.ys[i]!]!) };
    }
  })();
  const ev = await evaluateModel(loaded.model, batches, {
    imageSize: metadata.input.width,
    numClasses: metadata.labels.length,
    fromLogits: metadata.output === "logits",
  });

  const perClass = Object.fromEntries(metadata.labels.map((l, i) => [l, ev.perClassAccuracy[i] ?? null]));
  if (o.charts) await writeEvaluationCharts(resolve(o.charts), metadata.labels, ev);
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          model: o.modelDir,
          data: resolve(o.data),
          images: ev.count,
          loss: ev.loss,
          accuracy: ev.accuracy,
          perClassAccuracy: perClass,
          confusion: ev.confusion,
          leftOut: unknown,
        },
        null,
        2,
      ),
    );
  } else {
    if (unknown.length) console.log(`Left out folders that are not model labels: ${unknown.join(", ")}`);
    console.log(
      `${metadata.name} (${metadata.weights.dtype}) on ${ev.count} images (${files.length} usable files): loss ${ev.loss.toFixed(4)}, accuracy ${ev.accuracy.toFixed(4)}`,
    );
    for (const [label, acc] of Object.entries(perClass))
      console.log(`  ${label.padEnd(24)} ${acc === null ? "no images" : `${(acc * 100).toFixed(1)}%`}`);
  }
  return 0;
}

/** One photo's outcome. */
type PhotoResult =
  | { file: string; predictions: ClassScore[] }
  | { file: string; error: { code: string; message: string } };

async function predict(
  loaded: LoadedExport,
  photos: string[],
  o: PredictFlags & { modelDir: string },
): Promise<number> {
  await useNodeWasmDecoders();
  const results: PhotoResult[] = [];
  for (const file of photos) {
    try {
      // Decoded to the worker's working size, so `pnpm predict` answers what the worker answers.
      const { image } = await decodeImage(new Uint8Array(await readFile(file)), {
        maxPixels: modelWorkingPixels(loaded.metadata),
      });
      const pixels = preprocessImage(image, loaded.metadata);
      results.push({ file, predictions: (await classifyPixels(loaded, pixels)).slice(0, o.top) });
    } catch (err) {
      const code = isMarqueeError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? "error");
      results.push({ file, error: { code, message: (err as Error).message } });
    }
  }
  if (o.json) {
    const model = { name: loaded.metadata.name, version: loaded.metadata.version, dir: o.modelDir };
    console.log(JSON.stringify({ model, results }, null, 2));
  } else {
    for (const r of results) {
      console.log(r.file);
      if ("error" in r) {
        console.log(`  error (${r.error.code}): ${r.error.message}`);
        continue;
      }
      r.predictions.forEach((p, i) => {
        console.log(`  ${i + 1}. ${p.label.padEnd(24)} ${(p.probability * 100).toFixed(1).padStart(5)}%`);
      });
    }
  }
  return results.some((r) => "error" in r) ? 1 : 0;
}

/** The image task's work, loaded only once the flags are checked (tfjs, sharp and vega load slowly). */
export const imageRunner: TaskRunner = { train, evaluate, predict };
