// `pnpm train --data DIR [--model seed-cnn|vgg16] [--out DIR] [options]`: the tutorial, end to end.
import { readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { type BackendRequest, selectBackend } from "../backend/index.ts";
import { loadImageDataset, writeSampleGrid } from "../data/index.ts";
import { runFaceTrainCommand } from "../face/train-face-command.ts";
import { buildModel, MODEL_NAMES, type ModelName } from "../models/registry.ts";
import { summarize } from "../models/summary.ts";
import { summarizeDataset } from "../report/dataset-summary.ts";
import { trainingDataFromImageDataset } from "../train/image-dataset-adapter.ts";
import { DEFAULT_TRAINING_OPTIONS as D, resolveTrainingOptions } from "../train/options.ts";
import { defaultWorkerCount } from "../train/parallel/training-pool.ts";
import { runTraining } from "../train/run-training.ts";
import { integerOption, numberOption, runCli } from "./parse-options.ts";

const program = new Command()
  .name("pnpm train")
  .description("Train an image classifier on a folder of class folders and export it for the edge.")
  .option("--data <dir>", "folder with one sub-folder of images per class")
  .addOption(
    new Option(
      "--model <name>",
      "architecture; face = pretrained face pipeline + a trained head (see trainer/src/face)",
    )
      .choices([...MODEL_NAMES, "face"])
      .default(D.model),
  )
  .option("--out <dir>", "run folder (checkpoints, export, charts); default runs/<data>-<model>")
  .option("--name <name>", "model name in metadata.json; default the data folder's name")
  .option("--epochs <n>", "epochs", integerOption("--epochs"), D.epochs)
  .option("--batch-size <n>", "batch size", integerOption("--batch-size"), D.batchSize)
  .option("--image-size <n>", "square input side in pixels", integerOption("--image-size"), 224)
  .option(
    "--validation-split <x>",
    "share of images held out for validation",
    numberOption("--validation-split"),
    0.1,
  )
  .option(
    "--seed <n>",
    "seed for split, shuffling, initial weights and dropout",
    integerOption("--seed"),
    D.seed,
  )
  .option("--learning-rate <x>", "initial learning rate", numberOption("--learning-rate"), D.learningRate)
  .option(
    "--decay-steps <n>",
    "learning-rate decay period in optimiser steps",
    integerOption("--decay-steps"),
    D.decaySteps,
  )
  .option("--decay-rate <x>", "learning-rate decay factor", numberOption("--decay-rate"), D.decayRate)
  .option("--no-staircase", "decay smoothly instead of in steps")
  .option("--dropout <x>", "dropout rate (default: the architecture's)", numberOption("--dropout"))
  .option(
    "--patience <n>",
    "early-stopping patience in epochs (0 = off)",
    integerOption("--patience"),
    D.patience,
  )
  .option(
    "--min-delta <x>",
    "smallest val_accuracy gain that counts",
    numberOption("--min-delta"),
    D.minDelta,
  )
  .option(
    "--checkpoint-every <s>",
    "mid-epoch resume checkpoint period in seconds (0 = epoch ends only)",
    integerOption("--checkpoint-every"),
    D.checkpointEverySeconds,
  )
  .addOption(
    new Option("--weights <dtype>", "exported weight storage")
      .choices(["float32", "float16", "uint8"])
      .default(D.weightDtype),
  )
  .addOption(
    new Option("--fit <how>", "fit photos to the square input")
      .choices(["stretch", "centerCrop"])
      .default(D.fit),
  )
  .addOption(
    new Option("--backend <name>", "tfjs backend")
      .choices(["auto", "node-gpu", "node", "wasm", "cpu"])
      .default("auto"),
  )
  .option("--cache-dir <dir>", "decoded-image cache (default ~/.cache/marquee)")
  .option("--resume", "continue the interrupted run in --out from its last checkpoint", false)
  .option("--no-charts", "skip the PNG charts")
  .option("--summary", "print the model summary and exit", false)
  .option("--num-classes <n>", "class count for --summary without --data", integerOption("--num-classes"))
  .addOption(
    new Option("--head <kind>", "face: head architecture (auto tries all, keeps the best on validation)")
      .choices(["auto", "imprinted", "linear", "mlp"])
      .default("auto"),
  )
  .addOption(
    new Option(
      "--rejection <rule>",
      "face: open-set rule (default: whichever separates strangers better)",
    ).choices(["distance", "probability"]),
  )
  .option("--strangers <dir>", "face: folder of class folders of people not in --data, reported as strangers")
  .option(
    "--workers <n>",
    "worker threads: data-parallel training steps on wasm, or face embedding (default: available cores)",
    integerOption("--workers"),
  )
  .addOption(
    new Option(
      "--split <kind>",
      "validation split: duplicate-aware (stratified, no copies across) or random (Keras' own, numpy-seeded)",
    )
      .choices(["duplicate-aware", "random"])
      .default("duplicate-aware"),
  );

async function countClassFolders(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).length;
}

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  const model = o.model as ModelName;

  if (o.summary) {
    await tf.setBackend("cpu");
    const numClasses = o.numClasses ?? (o.data ? await countClassFolders(resolve(o.data)) : 17);
    const m = buildModel(model, {
      numClasses,
      imageSize: o.imageSize,
      seed: o.seed,
      ...(o.dropout === undefined ? {} : { dropout: o.dropout }),
    });
    console.log(summarize(m));
    m.dispose();
    return 0;
  }
  if (!o.data) throw new MarqueeError("bad_request", "--data <dir> is required (a folder of class folders).");
  if ((o.model as string) === "face") {
    // The face head has its own defaults (lr 1e-2, batch 32); only flags the user gave override them.
    const given = (name: string) => program.getOptionValueSource(name) === "cli";
    return runFaceTrainCommand({
      data: o.data,
      ...(o.out ? { out: o.out } : {}),
      ...(o.name ? { name: o.name } : {}),
      head: o.head,
      ...(given("epochs") ? { epochs: o.epochs } : {}),
      ...(given("batchSize") ? { batchSize: o.batchSize } : {}),
      ...(given("learningRate") ? { learningRate: o.learningRate } : {}),
      ...(given("patience") ? { patience: o.patience } : {}),
      seed: o.seed,
      validationSplit: o.validationSplit,
      ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
      ...(o.workers === undefined ? {} : { workers: o.workers }),
      ...(o.rejection ? { rejection: o.rejection } : {}),
      ...(o.strangers ? { strangers: o.strangers } : {}),
      backend: given("backend") ? (o.backend as BackendRequest) : "wasm",
      charts: o.charts,
    });
  }

  const dataDir = resolve(o.data);
  // A folder named train/ (as in five-celeb/train) says less than its parent.
  const dataName = /^(train|training)$/i.test(basename(dataDir))
    ? basename(dirname(dataDir))
    : basename(dataDir);
  const outDir = resolve(o.out ?? join("runs", `${dataName}-${model}`));
  const backend = await selectBackend(o.backend as BackendRequest, (line) => console.log(line));

  const ds = await loadImageDataset(dataDir, {
    imageSize: o.imageSize,
    fit: o.fit,
    validationSplit: o.validationSplit,
    seed: o.seed,
    split: o.split,
    ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
  });
  const grid = join(outDir, "samples.png");
  await writeSampleGrid(ds.split.train, ds.classNames, grid);
  console.log(`Sample grid: ${grid}`);

  const options = resolveTrainingOptions({
    model,
    outDir,
    name: o.name ?? dataName,
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
    workers: o.workers ?? defaultWorkerCount(),
  });

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

  const outcome = await runTraining(options, {
    data: trainingDataFromImageDataset(ds, o.seed, o.imageSize),
    dataset: ds.metadata(),
    backend: backend.name,
    signal: controller.signal,
    report: { dataset: summarizeDataset(ds), samples: grid, decodeSeconds: ds.decodeSeconds },
  });
  if (outcome.stopReason === "interrupted") {
    console.log(`Interrupted. Continue with: pnpm train --data ${o.data} --out ${outDir} --resume`);
    return 130;
  }
  console.log(
    `Stopped: ${outcome.stopReason}. Best epoch ${outcome.bestEpoch}; total ${outcome.seconds.toFixed(0)}s on ${outcome.workers} worker${outcome.workers === 1 ? "" : "s"}.`,
  );
  console.log(`Model: ${outcome.exported!.dir}`);
  console.log(`History: ${outcome.files.history}; evaluation: ${outcome.files.evaluation}`);
  if (outcome.files.charts) console.log(`Charts: ${Object.values(outcome.files.charts).join(", ")}`);
  return 0;
}

runCli(main);
