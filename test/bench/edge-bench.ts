// `pnpm bench edge`: the wrangler-built worker in Miniflare, per model: cold start (isolate ready,
// then first response), warm latency over 50 requests of a 474×490 JPEG (median, p95) with the
// decode / preprocess / inference split, requests/s with 4 concurrent clients, and the same
// model's predict time in plain Node on tfjs' wasm backend for comparison. Face models (pipeline
// "face") get a 474×490 portrait instead (one face, as in a celebrity photo), and their Node
// figure runs the same shared face pipeline with the worker's options.
//
//   pnpm bench edge [--model <exported model dir> ...]
// Without --model: the trainer-made test model (seed CNN at 48 px), the face test model (three people from face-api's
// sample photos) and every exported model under models/ at the repo root.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeImage, parseModelMetadataText, preprocessImage } from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { ensureFaceModel } from "../helpers/face-model.ts";
import { nodeFaceReference } from "../helpers/face-worker.ts";
import "@tensorflow/tfjs-backend-wasm";
import { DEFAULT_FACE_DETECTOR_INPUT_SIZE } from "@marquee/edge/config";
import type { PredictResponse } from "@marquee/shared/api";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import sharp from "sharp";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { startWorker } from "../helpers/start-worker.ts";
import { median, ms, percentile } from "./stats.ts";

const WARM_REQUESTS = 50;
const THROUGHPUT_CLIENTS = 4;
const THROUGHPUT_SECONDS = 5;

interface Row {
  model: string;
  readyMs: number;
  firstResponseMs: number;
  warmMedian: number;
  warmP95: number;
  decode: number;
  preprocess: number;
  inference: number;
  rps: number;
  nodeInference: number;
  nodeTotal: number;
}

function modelDirsFromArgs(): (string | undefined)[] {
  const dirs: (string | undefined)[] = [];
  process.argv.forEach((arg, i) => {
    if (arg === "--model" && process.argv[i + 1]) dirs.push(resolve(REPO_DIR, process.argv[i + 1] as string));
  });
  if (dirs.length) return dirs;
  const models = join(REPO_DIR, "models");
  const exported = existsSync(models)
    ? readdirSync(models)
        .map((d) => join(models, d))
        .filter((d) => existsSync(join(d, "model.json")) && existsSync(join(d, "metadata.json")))
    : [];
  return [undefined, FACE_FIXTURE, ...exported];
}

/** Stands for the face test model in the list of models to bench. */
const FACE_FIXTURE = "<face fixture>";

async function benchModel(
  modelDir: string | undefined,
  photos: { image: Uint8Array<ArrayBuffer>; face: Uint8Array<ArrayBuffer> },
): Promise<Row> {
  const build = await ensureWorkerBuild(modelDir ? { modelDir } : {});
  const metadata = parseModelMetadataText(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
  const photo = metadata.pipeline === "face" ? photos.face : photos.image;

  const started = performance.now();
  const worker = await startWorker({ ...build, quiet: true });
  const readyMs = performance.now() - started;
  const post = () => worker.fetch("/predict", { method: "POST", body: photo });
  const first = await post();
  if (first.status !== 200) throw new Error(`first predict answered ${first.status}: ${await first.text()}`);
  await first.arrayBuffer();
  const firstResponseMs = performance.now() - started - readyMs;

  const latencies: number[] = [];
  const splits: PredictResponse["timingsMs"][] = [];
  for (let i = 0; i < WARM_REQUESTS; i++) {
    const t = performance.now();
    const response = await post();
    const body = (await response.json()) as PredictResponse;
    latencies.push(performance.now() - t);
    splits.push(body.timingsMs);
  }

  let done = 0;
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: THROUGHPUT_CLIENTS }, async () => {
      while (performance.now() < until) {
        const response = await post();
        await response.arrayBuffer();
        if (response.status === 200) done++;
      }
    }),
  );
  await worker.dispose();

  const node =
    metadata.pipeline === "face"
      ? await nodeFaceTimes(build.modelDir, photo)
      : await nodePredictTimes(build.modelDir, metadata, photo);
  return {
    model:
      metadata.pipeline === "face"
        ? `${metadata.name} (face, ${metadata.labels.length} classes; detector ${DEFAULT_FACE_DETECTOR_INPUT_SIZE})`
        : `${metadata.name} (${metadata.architecture}, ${metadata.input.width}×${metadata.input.height})`,
    readyMs,
    firstResponseMs,
    warmMedian: median(latencies),
    warmP95: percentile(latencies, 95),
    decode: median(splits.map((s) => s.decode)),
    preprocess: median(splits.map((s) => s.preprocess)),
    inference: median(splits.map((s) => s.inference)),
    rps: done / THROUGHPUT_SECONDS,
    ...node,
  };
}

/** The same model in plain Node on tfjs' stock wasm backend: median inference and decode→scores. */
async function nodePredictTimes(
  modelDir: string,
  metadata: ReturnType<typeof parseModelMetadataText>,
  photo: Uint8Array,
): Promise<{ nodeInference: number; nodeTotal: number }> {
  await tf.setBackend("wasm");
  await useNodeWasmDecoders();
  const modelJson = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
  const shards = await Promise.all(
    (modelJson.weightsManifest as { paths: string[] }[])
      .flatMap((g) => g.paths)
      .map(async (p) => {
        const b = await readFile(join(modelDir, p));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      }),
  );
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: (modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[]).flatMap(
        (g) => g.weights,
      ),
      weightData: shards,
    }),
  );
  const { width, height } = metadata.input;
  const inference: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < WARM_REQUESTS + 3; i++) {
    const t0 = performance.now();
    const { image } = await decodeImage(photo);
    const pixels = preprocessImage(image, metadata);
    const t1 = performance.now();
    tf.tidy(() => (model.predict(tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor).dataSync());
    const t2 = performance.now();
    if (i >= 3) {
      inference.push(t2 - t1);
      total.push(t2 - t0);
    }
  }
  model.dispose();
  return { nodeInference: median(inference), nodeTotal: median(total) };
}

/** The face pipeline in plain Node with the worker's options: median inference and decode→labels. */
async function nodeFaceTimes(
  modelDir: string,
  photo: Uint8Array,
): Promise<{ nodeInference: number; nodeTotal: number }> {
  const reference = await nodeFaceReference(modelDir);
  const inference: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < WARM_REQUESTS + 3; i++) {
    const t0 = performance.now();
    const { image } = await decodeImage(photo);
    const t1 = performance.now();
    await reference.recognize(image);
    const t2 = performance.now();
    if (i >= 3) {
      inference.push(t2 - t1);
      total.push(t2 - t0);
    }
  }
  reference.dispose();
  return { nodeInference: median(inference), nodeTotal: median(total) };
}

const photos = {
  image: new Uint8Array(
    await sharp(samplePhotoPath(1)).resize(474, 490, { fit: "cover" }).jpeg({ quality: 90 }).toBuffer(),
  ),
  // A portrait: the right-hand woman of sample1, cut and scaled to 474×490 like a celebrity photo.
  face: new Uint8Array(
    await sharp(samplePhotoPath(1))
      .extract({ left: 1150, top: 50, width: 700, height: 724 })
      .resize(474, 490)
      .jpeg({ quality: 90 })
      .toBuffer(),
  ),
};
const rows: Row[] = [];
for (const entry of modelDirsFromArgs()) {
  const dir = entry === FACE_FIXTURE ? (await ensureFaceModel()).modelDir : entry;
  try {
    rows.push(await benchModel(dir, photos));
  } catch (err) {
    console.error(`bench edge: ${dir ?? "trainer-made test model"}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
console.log(
  `\nWorker in Miniflare (workerd, wasm SIMD) vs plain Node (tfjs wasm); photo 474×490 JPEG (face models: a 474×490 portrait), ${WARM_REQUESTS} warm requests`,
);
console.table(
  rows.map((r) => ({
    model: r.model,
    "isolate ready": ms(r.readyMs),
    "first response": ms(r.firstResponseMs),
    "warm median": ms(r.warmMedian),
    "warm p95": ms(r.warmP95),
    "decode / preprocess / inference": `${r.decode} / ${r.preprocess} / ${r.inference} ms`,
    [`req/s (${THROUGHPUT_CLIENTS} clients)`]: r.rps.toFixed(1),
    "Node inference": ms(r.nodeInference),
    "Node decode→scores": ms(r.nodeTotal),
  })),
);
console.log(
  "(The worker's split comes from workerd's clock, which advances only on I/O; on Cloudflare it may read 0.)",
);
process.exit(process.exitCode ?? 0);
