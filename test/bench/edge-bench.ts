// `pnpm bench edge`: the wrangler-built worker in Miniflare, per model: cold start (isolate ready,
// then first response), warm latency over 50 requests of a 474×490 JPEG (median, p95) with the
// decode / preprocess / inference split, requests/s with 4 concurrent clients, and the same
// model's predict time in plain Node on tfjs' wasm backend for comparison. Face models (pipeline
// "face") get a 474×490 portrait instead (one face, as in a celebrity photo) and rows for a 12 MP
// group photo of 10 faces (faces of face-api's sample photos pasted at 150–400 px on 4000×3000) and
// the same with phone-like noise at JPEG q92 (shrunk to the worker's face megapixel cap first when
// /health says it is lower, as the page does),
// and their Node figure runs the same shared face pipeline with the worker's options.
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
import type { HealthResponse, PredictResponse } from "@marquee/shared/api";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import sharp from "sharp";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { type BenchPhoto, groupPhoto, noisyGroupPhoto } from "../helpers/group-photo.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { startWorker } from "../helpers/start-worker.ts";
import { median, ms, percentile } from "./stats.ts";

const WARM_REQUESTS = 50;
const THROUGHPUT_CLIENTS = 4;
const THROUGHPUT_SECONDS = 5;

interface Row {
  model: string;
  photo: string;
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
  photos: { image: BenchPhoto; face: BenchPhoto; groups: BenchPhoto[] },
): Promise<Row[]> {
  const build = await ensureWorkerBuild(modelDir ? { modelDir } : {});
  const metadata = parseModelMetadataText(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
  const photo = metadata.pipeline === "face" ? photos.face : photos.image;

  const started = performance.now();
  const worker = await startWorker({ ...build, quiet: true });
  const readyMs = performance.now() - started;
  const postPhoto = (body: Uint8Array<ArrayBuffer>) => worker.fetch("/predict", { method: "POST", body });
  const post = () => postPhoto(photo.bytes);
  const first = await post();
  if (first.status !== 200) throw new Error(`first predict answered ${first.status}: ${await first.text()}`);
  await first.arrayBuffer();
  const firstResponseMs = performance.now() - started - readyMs;

  const warm = async (bytes: Uint8Array<ArrayBuffer>, requests: number) => {
    const latencies: number[] = [];
    const splits: PredictResponse["timingsMs"][] = [];
    let faces = 0;
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      const response = await postPhoto(bytes);
      const body = (await response.json()) as PredictResponse;
      if (response.status !== 200)
        throw new Error(`predict answered ${response.status}: ${JSON.stringify(body)}`);
      latencies.push(performance.now() - t);
      splits.push(body.timingsMs);
      faces = body.faces?.length ?? 0;
    }
    return { latencies, splits, faces };
  };
  const { latencies, splits, faces } = await warm(photo.bytes, WARM_REQUESTS);
  // Face models: the group photos, sent as the page would send them (shrunk to the face cap).
  const groups: (Awaited<ReturnType<typeof warm>> & { name: string })[] = [];
  if (metadata.pipeline === "face") {
    const health = (await (await worker.fetch("/health")).json()) as HealthResponse;
    for (const groupPhoto of photos.groups) {
      const sent = await fitToLimit(groupPhoto.bytes, health.limits.maxMegapixels);
      await warm(sent.bytes, 2);
      groups.push({ ...(await warm(sent.bytes, GROUP_REQUESTS)), name: `${groupPhoto.name}${sent.note}` });
    }
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
      ? await nodeFaceTimes(build.modelDir, photo.bytes)
      : await nodePredictTimes(build.modelDir, metadata, photo.bytes);
  const model =
    metadata.pipeline === "face"
      ? `${metadata.name} (face, ${metadata.labels.length} classes; ${metadata.face?.detector.name})`
      : `${metadata.name} (${metadata.architecture}, ${metadata.input.width}×${metadata.input.height})`;
  const rows: Row[] = [];
  rows.push({
    model,
    photo: metadata.pipeline === "face" ? `${photo.name}: ${faces} face(s)` : photo.name,
    readyMs,
    firstResponseMs,
    warmMedian: median(latencies),
    warmP95: percentile(latencies, 95),
    decode: median(splits.map((s) => s.decode)),
    preprocess: median(splits.map((s) => s.preprocess)),
    inference: median(splits.map((s) => s.inference)),
    rps: done / THROUGHPUT_SECONDS,
    ...node,
  });
  for (const group of groups)
    rows.push({
      model,
      photo: `${group.name}: ${group.faces} face(s)`,
      readyMs: Number.NaN,
      firstResponseMs: Number.NaN,
      warmMedian: median(group.latencies),
      warmP95: percentile(group.latencies, 95),
      decode: median(group.splits.map((s) => s.decode)),
      preprocess: median(group.splits.map((s) => s.preprocess)),
      inference: median(group.splits.map((s) => s.inference)),
      rps: Number.NaN,
      nodeInference: Number.NaN,
      nodeTotal: Number.NaN,
    });
  return rows;
}

/** Warm requests of the group photo (each costs ~10× a portrait). */
const GROUP_REQUESTS = 10;

/** The photo as JPEG within `maxMegapixels` (shrunk as the page shrinks uploads), and a note when shrunk. */
async function fitToLimit(
  bytes: Uint8Array<ArrayBuffer>,
  maxMegapixels: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; note: string }> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  if (width * height <= maxMegapixels * 1e6) return { bytes, note: "" };
  const scale = Math.sqrt((maxMegapixels * 1e6) / (width * height));
  const w = Math.floor(width * scale);
  const h = Math.floor(height * scale);
  const out = new Uint8Array(await sharp(bytes).resize(w, h).jpeg({ quality: 90 }).toBuffer());
  return { bytes: out, note: ` sent at ${w}×${h} (face cap ${maxMegapixels} MP)` };
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

await useNodeWasmDecoders();
const photos = {
  image: {
    name: "474×490 photo",
    bytes: new Uint8Array(
      await sharp(samplePhotoPath(1)).resize(474, 490, { fit: "cover" }).jpeg({ quality: 90 }).toBuffer(),
    ),
  },
  // A portrait: the right-hand woman of sample1, cut and scaled to 474×490 like a celebrity photo.
  face: {
    name: "474×490 portrait",
    bytes: new Uint8Array(
      await sharp(samplePhotoPath(1))
        .extract({ left: 1150, top: 50, width: 700, height: 724 })
        .resize(474, 490)
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  },
  groups: [await groupPhoto(), await noisyGroupPhoto()],
};
const rows: Row[] = [];
for (const entry of modelDirsFromArgs()) {
  const dir = entry === FACE_FIXTURE ? (await ensureFaceModel()).modelDir : entry;
  try {
    rows.push(...(await benchModel(dir, photos)));
  } catch (err) {
    console.error(`bench edge: ${dir ?? "trainer-made test model"}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
console.log(
  `\nWorker in Miniflare (workerd, wasm SIMD) vs plain Node (tfjs wasm); ${WARM_REQUESTS} warm requests of the first photo, ${GROUP_REQUESTS} of a face model's group photo`,
);
console.table(
  rows.map((r) => ({
    model: r.model,
    photo: r.photo,
    "isolate ready": ms(r.readyMs),
    "first response": ms(r.firstResponseMs),
    "warm median": ms(r.warmMedian),
    "warm p95": ms(r.warmP95),
    "decode / preprocess / inference": `${r.decode} / ${r.preprocess} / ${r.inference} ms`,
    [`req/s (${THROUGHPUT_CLIENTS} clients)`]: Number.isFinite(r.rps) ? r.rps.toFixed(1) : "–",
    "Node inference": ms(r.nodeInference),
    "Node decode→scores": ms(r.nodeTotal),
  })),
);
console.log(
  "(The worker's split comes from workerd's clock, which advances only on I/O; on Cloudflare it may read 0.)",
);
process.exit(process.exitCode ?? 0);
