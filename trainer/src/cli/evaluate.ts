// `pnpm evaluate --model-dir DIR --data DIR [--json] [--charts OUT]`: score an export on a labelled folder.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MarqueeError } from "@marquee/shared";
import { Command, Option } from "commander";
import { type BackendRequest, selectBackend } from "../backend/index.ts";
import { loadImageDataset, silentLog } from "../data/index.ts";
import { writeFileAtomic } from "../export/durable-fs.ts";
import { loadExportedModel } from "../export/load-model.ts";
import { runFaceEvaluate } from "../face/face-commands.ts";
import { renderSpecToPng } from "../report/render.ts";
import { confusionMatrixSpec, perClassAccuracySpec } from "../report/specs.ts";
import type { Batch } from "../train/data-source.ts";
import { evaluateModel } from "../train/evaluate.ts";
import { integerOption, runCli } from "./parse-options.ts";

const program = new Command()
  .name("pnpm evaluate")
  .description("Evaluate an exported model on a folder of class folders (e.g. a held-out test set).")
  .option(
    "--model-dir <dir>",
    "export folder, or a run folder containing model/",
    fileURLToPath(new URL("../../../models/default", import.meta.url)),
  )
  .requiredOption(
    "--data <dir>",
    "folder with one sub-folder per class; names must match the model's labels (face models: other folders count as strangers)",
  )
  .option("--batch-size <n>", "batch size", integerOption("--batch-size", 1), 32)
  .option("--charts <dir>", "also write confusion-matrix and per-class PNGs here")
  .option("--cache-dir <dir>", "decoded-image cache (default ~/.cache/marquee)")
  .option("--json", "print JSON", false)
  .addOption(
    new Option("--backend <name>", "tfjs backend")
      .choices(["auto", "node-gpu", "node", "wasm", "cpu"])
      .default("auto"),
  );

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  let dir = resolve(o.modelDir);
  if (!existsSync(join(dir, "model.json")) && existsSync(join(dir, "model", "model.json")))
    dir = join(dir, "model");
  await selectBackend(o.backend as BackendRequest);
  const loaded = await loadExportedModel(dir);
  const { metadata } = loaded;
  if (metadata.pipeline === "face") {
    try {
      return await runFaceEvaluate(loaded, {
        data: o.data,
        modelDir: dir,
        json: o.json,
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
      });
    } finally {
      loaded.model.dispose();
    }
  }
  if (metadata.pipeline !== "image")
    throw new MarqueeError("bad_request", "pnpm evaluate scores whole-image models only.");

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
  const iterator = ds.trainBatches({ batchSize: o.batchSize, shuffle: false });
  const batches = (async function* (): AsyncGenerator<Batch> {
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
  loaded.model.dispose();

  const perClass = Object.fromEntries(metadata.labels.map((l, i) => [l, ev.perClassAccuracy[i] ?? null]));
  if (o.charts) {
    const out = resolve(o.charts);
    await mkdir(out, { recursive: true });
    await writeFileAtomic(
      join(out, "confusion-matrix.png"),
      await renderSpecToPng(confusionMatrixSpec(metadata.labels, ev.confusion, "Confusion matrix")),
    );
    await writeFileAtomic(
      join(out, "per-class-accuracy.png"),
      await renderSpecToPng(perClassAccuracySpec(metadata.labels, ev.perClassAccuracy, "Per-class accuracy")),
    );
  }
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          model: dir,
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

runCli(main);
