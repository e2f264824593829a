// Memory of a face model (pipeline "face": ~23.5 MB of pretrained face weights plus the head) in
// the wrangler-built worker under Miniflare, for a 474×490 portrait, the largest image the limits
// allow (50 MP, decoded to the 2 MP working size), and a large photo without a face. Cloudflare gives an
// isolate 128 MB; we assert a bound well below it. Measures as in memory.test.ts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AVIF_MAX_MEGAPIXELS, type HealthResponse, type PredictResponse } from "@marquee/shared";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { freePort } from "../helpers/free-port.ts";
import { noisyGroupPhoto } from "../helpers/group-photo.ts";
import { jpegOfMegapixels, samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { formatMiB, measurePredictMemory } from "../helpers/predict-memory.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import { WorkerInspector } from "../helpers/worker-memory.ts";

const MiB = 1024 * 1024;
/** Everything the isolate holds at the peak of a request: JS heap + backing stores + tfjs wasm. */
const BOUND_BYTES = 120 * MiB;
/** tfjs' wasm memory alone (weights packed by XNNPACK + activations; it never shrinks). */
const WASM_BOUND_BYTES = 72 * MiB;

let worker: RunningWorker;
let inspector: WorkerInspector;
let maxMegapixels: number;

beforeAll(async () => {
  // MARQUEE_TEST_FACE_MODEL_DIR measures a real face export instead of the fixture.
  const modelDir = process.env.MARQUEE_TEST_FACE_MODEL_DIR;
  const build = modelDir ? await ensureWorkerBuild({ modelDir }) : (await ensureFaceWorkerBuild()).build;
  const toml = await readFile(join(REPO_DIR, "wrangler.toml"), "utf8");
  // Face models accept what image models do (wrangler.toml's MAX_MEGAPIXELS); photos are decoded
  // to WORKING_MEGAPIXELS, never at full size.
  maxMegapixels = Number(
    process.env.MARQUEE_TEST_MAX_MP ?? /^MAX_MEGAPIXELS\s*=\s*"([\d.]+)"/m.exec(toml)?.[1],
  );
  const port = await freePort();
  worker = await startWorker({
    ...build,
    inspectorPort: port,
    vars: { MAX_MEGAPIXELS: String(maxMegapixels) },
  });
  inspector = await WorkerInspector.connect(port);
});
afterAll(async () => {
  inspector?.close();
  await worker?.dispose();
});

const health = async () => (await (await worker.fetch("/health")).json()) as HealthResponse;

async function measure(name: string, bytes: Uint8Array): Promise<PredictResponse> {
  const measured = await measurePredictMemory(worker, inspector, bytes);
  const { after, heapAfter, rssAfter, rssGrowth, isolateEstimate } = measured;
  const answer = measured.answer as PredictResponse;
  console.log(
    `${name} (${answer.image.width}×${answer.image.height}, ${answer.faces?.length} faces): JS heap used ${formatMiB(heapAfter.usedSize)}` +
      ` + backing stores ${formatMiB(heapAfter.backingStorageSize ?? 0)}, tfjs wasm ${formatMiB(after.wasmMemoryBytes)},` +
      ` workerd peak RSS growth ${formatMiB(rssGrowth)}, isolate estimate ${formatMiB(isolateEstimate)}`,
  );
  expect(after.wasmMemoryBytes).toBeLessThan(WASM_BOUND_BYTES);
  // Backing stores include earlier requests' garbage (V8 collects it at ~60 MB of ArrayBuffers and
  // workerd cannot be asked to collect), so the bound is on the V8 heap plus what this request
  // added to the process; jsHeap is logged for reference.
  expect(heapAfter.usedSize + after.wasmMemoryBytes).toBeLessThan(BOUND_BYTES);
  // The estimate needs workerd's RSS from /proc; without it the bound would not be checked.
  expect(rssAfter, "workerd's memory could not be read from /proc").toBeDefined();
  expect(isolateEstimate).toBeLessThan(BOUND_BYTES);
  return answer;
}

it("keeps a face model's isolate well under 128 MB: portrait, largest allowed photo, AVIF, phone-sized group photo, no-face photo", async () => {
  const loaded = await health();
  expect(loaded.limits.maxMegapixels).toBe(maxMegapixels);
  console.log(
    `face model loaded: tfjs wasm ${(loaded.wasmMemoryBytes / MiB).toFixed(1)} MiB, ${loaded.tensors} tensors`,
  );
  const portrait = await sharp(samplePhotoPath(1))
    .extract({ left: 1150, top: 50, width: 700, height: 724 })
    .resize(474, 490)
    .jpeg({ quality: 90 })
    .toBuffer();
  // Loading leaves ~30 MB of JS garbage (fetched and decoded weight files) until V8 collects it;
  // a few requests give it the chance, so the figures below are those of a serving isolate.
  for (let i = 0; i < 3; i++)
    await worker.fetch("/predict", { method: "POST", body: new Uint8Array(portrait) });
  expect((await measure("portrait", new Uint8Array(portrait))).faces?.length).toBeGreaterThanOrEqual(1);
  const { bytes } = await jpegOfMegapixels(maxMegapixels);
  await measure(`${maxMegapixels} MP photo`, bytes);
  // The largest AVIF decoded (AVIF_MAX_MEGAPIXELS): libavif + dav1d's heap instead of MozJPEG's.
  const avifSide = Math.floor(Math.sqrt((AVIF_MAX_MEGAPIXELS * 1e6) / 1.5));
  const avif = await sharp(bytes)
    .resize(Math.floor(avifSide * 1.5), avifSide, { fit: "fill" })
    .avif({ quality: 60, effort: 2 })
    .toBuffer();
  await measure(`${AVIF_MAX_MEGAPIXELS} MP AVIF`, new Uint8Array(avif));
  // A phone-sized group photo: 10 faces (scaled pass, 10 descriptors) in a 3.5 MB noisy JPEG.
  const group = await noisyGroupPhoto();
  expect((await measure("12 MP group photo, 3.5 MB", group.bytes)).faces?.length).toBe(10);
  const side = Math.floor(Math.sqrt(maxMegapixels * 1e6 * 0.6));
  const empty = await sharp({
    create: {
      width: Math.floor(side * 1.6),
      height: side,
      channels: 3,
      background: { r: 90, g: 140, b: 60 },
    },
  })
    .jpeg()
    .toBuffer();
  expect((await measure("no-face photo", new Uint8Array(empty))).faces).toEqual([]);
}, 180_000);
