/**
 * Validation figures of an exported face model on the validation photos of the split it was
 * trained with (same seed and share, duplicate-aware), with faces found as training and the
 * worker find them (shared's findFaces under the model's policy):
 *
 *   pnpm tsx trainer/scripts/face-validation.ts --data ../shared/datasets/celeb17 [--model-dir models/default]
 *       [--cache-dir DIR]
 */
import { resolve } from "node:path";
import { classifyFaceDescriptors } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../src/backend/wasm-node.ts";
import { loadExportedModel } from "../src/export/load-model.ts";
import { loadFaceDataset } from "../src/face/embed-dataset.ts";
import { pipelineFromMetadata } from "../src/face/face-pipeline.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const data = resolve(opt("--data", "../shared/datasets/celeb17")!);
const modelDir = resolve(opt("--model-dir", "models/default")!);
const cacheDir = opt("--cache-dir");

await initWasmBackend();
await useNodeWasmDecoders();
const loaded = await loadExportedModel(modelDir);
const meta = loaded.metadata;
if (meta.pipeline !== "face" || !meta.face) throw new Error(`${modelDir} is not a face model`);
const started = performance.now();
const ds = await loadFaceDataset(data, {
  pipeline: pipelineFromMetadata(meta.face),
  validationSplit: meta.dataset.validationSplit,
  seed: meta.dataset.seed,
  ...(cacheDir ? { cacheDir: resolve(cacheDir) } : {}),
  log: { info: (l) => process.stderr.write(`${l}\n`), warn: (l) => process.stderr.write(`warning: ${l}\n`) },
});
if (ds.fingerprint !== meta.dataset.fingerprint)
  process.stderr.write("warning: the data's fingerprint differs from the one the model was trained on\n");
const classified = await classifyFaceDescriptors(
  loaded.model,
  ds.validation.map((e) => e.descriptor),
  meta,
);
let top1 = 0;
let acceptedCorrect = 0;
let unknown = 0;
ds.validation.forEach((e, i) => {
  // Compared by name: the model's label order is its own.
  const truth = ds.classNames[e.label]!;
  const c = classified[i]!;
  if (c.bestMatch === truth) top1++;
  if (c.label === truth) acceptedCorrect++;
  if (c.label === "unknown") unknown++;
});
loaded.model.dispose();
const photos = ds.split.validationIndices.length;
const faces = ds.validation.length;
const pct = (k: number, n: number) => `${k}/${n} = ${((100 * k) / n).toFixed(2)} %`;
console.log(
  JSON.stringify(
    {
      model: modelDir,

      validationPhotos: photos,
      faces,
      noFace: photos - faces,
      top1: pct(top1, faces),
      acceptedCorrect: pct(acceptedCorrect, faces),
      acceptedCorrectOfPhotos: pct(acceptedCorrect, photos),
      unknown,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    },
    null,
    2,
  ),
);
