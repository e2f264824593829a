import { basename, join, resolve } from "node:path";
import { type BackendRequest, selectBackend } from "../backend/index.ts";
import { defaultCacheDir } from "../data/imageCache.ts";
import { embedFolder, loadFaceDataset } from "./embed-dataset.ts";
import { DEFAULT_FACE_PIPELINE } from "./face-pipeline.ts";
import type { FaceHeadKind } from "./head.ts";
import type { RejectionKind } from "./open-set.ts";
import { DEFAULT_FACE_TRAINING, type FaceTrainingOptions, trainFaceModel } from "./train-face.ts";

/** What `pnpm train --model face` passes in (parsed flags). */
export interface FaceTrainCommand {
  data: string;
  out?: string;
  name?: string;
  head?: FaceHeadKind | "auto";
  epochs?: number;
  batchSize?: number;
  seed?: number;
  validationSplit?: number;
  learningRate?: number;
  patience?: number;
  cacheDir?: string;
  workers?: number;
  backend?: BackendRequest;
  charts?: boolean;
  rejection?: RejectionKind;
  /** A folder of class folders whose faces are all strangers (e.g. five-celeb), reported against the model. */
  strangers?: string;
}

/**
 * `pnpm train --model face --data DIR`: embed (cached), split duplicate-aware, train and choose the
 * head, calibrate the open-set rule, export. Returns the process exit code.
 */
export async function runFaceTrainCommand(o: FaceTrainCommand): Promise<number> {
  const started = performance.now();
  const dataDir = resolve(o.data);
  const outDir = resolve(o.out ?? join("runs", `${basename(dataDir)}-face`));
  // The embedder runs on wasm in worker threads; the head trains on the chosen backend in this thread.
  const backend = await selectBackend(o.backend ?? "wasm", (line) => console.log(line));
  const cacheDir = o.cacheDir ? resolve(o.cacheDir) : defaultCacheDir();
  const ds = await loadFaceDataset(dataDir, {
    cacheDir,
    validationSplit: o.validationSplit ?? 0.1,
    seed: o.seed ?? DEFAULT_FACE_TRAINING.seed,
    ...(o.workers === undefined ? {} : { workers: o.workers }),
  });
  let externalStrangers: FaceTrainingOptions["externalStrangers"];
  if (o.strangers) {
    const folder = await embedFolder(resolve(o.strangers), { cacheDir, minClasses: 1 });
    const known = new Set(ds.classNames);
    const descriptors = folder.results.flatMap((r, i) =>
      r.status === "face" && !known.has(folder.classNames[folder.files[i]!.classIndex]!)
        ? [r.descriptor]
        : [],
    );
    externalStrangers = { name: basename(resolve(o.strangers)), descriptors };
  }
  const options: FaceTrainingOptions = {
    ...DEFAULT_FACE_TRAINING,
    outDir,
    name: o.name ?? `${basename(dataDir)}-face`,
    head: o.head ?? "auto",
    epochs: o.epochs ?? DEFAULT_FACE_TRAINING.epochs,
    batchSize: o.batchSize ?? DEFAULT_FACE_TRAINING.batchSize,
    seed: o.seed ?? DEFAULT_FACE_TRAINING.seed,
    learningRate: o.learningRate ?? DEFAULT_FACE_TRAINING.learningRate,
    patience: o.patience ?? DEFAULT_FACE_TRAINING.patience,
    charts: o.charts ?? true,
    pipeline: DEFAULT_FACE_PIPELINE,
    ...(o.rejection ? { rejection: o.rejection } : {}),
    ...(externalStrangers ? { externalStrangers } : {}),
  };
  const outcome = await trainFaceModel(ds, options, { backend: backend.name });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Done in ${seconds.toFixed(1)} s (embedding ${ds.stats.seconds.toFixed(1)} s for ${ds.stats.embedded} photos, ${ds.stats.cached} cached).`,
  );
  console.log(`Model: ${outcome.exported.dir}`);
  for (const [k, v] of Object.entries(outcome.files)) console.log(`  ${k}: ${v}`);
  return 0;
}
