// Memory while processing the largest image the configured limits allow. Cloudflare gives an
// isolate 128 MB; we assert a bound well below it. Three measures:
//   - the JS heap (V8 Runtime.getHeapUsage over the inspector: used size + ArrayBuffer backing stores),
//   - tfjs' wasm memory (GET /health → wasmMemoryBytes),
//   - the workerd process' peak resident set growth, which also covers the image decoders' wasm memory.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { freePort } from "../helpers/free-port.ts";
import { jpegOfMegapixels } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { formatMiB, measurePredictMemory } from "../helpers/predict-memory.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import { WorkerInspector } from "../helpers/worker-memory.ts";

const MiB = 1024 * 1024;
/** The bound asserted for everything the isolate holds at the peak of the request. */
const BOUND_BYTES = 100 * MiB;

let worker: RunningWorker;
let inspector: WorkerInspector;
let maxMegapixels: number;

beforeAll(async () => {
  // MARQUEE_TEST_MODEL_DIR measures a real export instead of the trainer-made fixture model.
  const modelDir = process.env.MARQUEE_TEST_MODEL_DIR;
  const build = await ensureWorkerBuild(modelDir ? { modelDir } : {});
  const toml = await readFile(join(REPO_DIR, "wrangler.toml"), "utf8");
  maxMegapixels = Number(
    process.env.MARQUEE_TEST_MAX_MP ?? /MAX_MEGAPIXELS\s*=\s*"([\d.]+)"/.exec(toml)?.[1],
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

it("keeps the isolate well under 128 MB while processing the largest allowed image", async () => {
  const { bytes, width, height } = await jpegOfMegapixels(maxMegapixels);
  const { answer, after, heapAfter, rssAfter, jsHeap, rssGrowth, isolateEstimate } =
    await measurePredictMemory(worker, inspector, bytes);
  expect((answer as { image: { width: number } }).image.width).toBe(width);
  const tfjsWasm = after.wasmMemoryBytes;
  console.log(
    `${width}×${height} (${maxMegapixels} MP, ${formatMiB(bytes.byteLength)} JPEG): JS heap used ${formatMiB(heapAfter.usedSize)}` +
      ` + backing stores ${formatMiB(heapAfter.backingStorageSize ?? 0)}, tfjs wasm ${formatMiB(tfjsWasm)},` +
      ` workerd peak RSS growth ${formatMiB(rssGrowth)}, isolate estimate ${formatMiB(isolateEstimate)}`,
  );
  expect(tfjsWasm).toBeLessThan(64 * MiB);
  expect(jsHeap + tfjsWasm).toBeLessThan(BOUND_BYTES);
  // The estimate needs workerd's RSS from /proc; without it the bound would not be checked.
  expect(rssAfter, "workerd's memory could not be read from /proc").toBeDefined();
  expect(isolateEstimate).toBeLessThan(BOUND_BYTES);
});
