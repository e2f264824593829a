// Memory while processing the largest image the configured limits allow. Cloudflare gives an
// isolate 128 MB; we assert a bound well below it. Three measures:
//   - the JS heap (V8 Runtime.getHeapUsage over the inspector: used size + ArrayBuffer backing stores),
//   - tfjs' wasm memory (GET /health → wasmMemoryBytes),
//   - the workerd process' peak resident set growth, which also covers the image decoders' wasm memory.

import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { HealthResponse } from "../../edge/src/api-types.ts";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { jpegOfMegapixels } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import { processMemory, resetPeakRss, WorkerInspector, workerdPids } from "../helpers/worker-memory.ts";

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
  const health = async () => (await (await worker.fetch("/health")).json()) as HealthResponse;
  const idle = await health();
  const [pid] = await workerdPids();
  const heapBefore = await inspector.heapUsage();
  // The peak must be this request's, not the model load's (which allocates and drops weight copies).
  if (pid) await resetPeakRss(pid);
  const rssBefore = pid ? await processMemory(pid) : undefined;

  const response = await worker.fetch("/predict", { method: "POST", body: bytes });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(((await response.json()) as { image: { width: number } }).image.width).toBe(width);

  // Garbage is not collected yet, so this is close to the request's peak.
  const heapAfter = await inspector.heapUsage();
  const after = await health();
  const rssAfter = pid ? await processMemory(pid) : undefined;
  const jsHeap = heapAfter.usedSize + (heapAfter.backingStorageSize ?? 0);
  const tfjsWasm = after.wasmMemoryBytes;
  const rssGrowth = rssBefore && rssAfter ? rssAfter.peakRss - rssBefore.rss : 0;
  // Idle isolate (JS heap + tfjs wasm) plus everything the request added to the process.
  const isolateEstimate = heapBefore.totalSize + idle.wasmMemoryBytes + rssGrowth;
  const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(
    `${width}×${height} (${maxMegapixels} MP, ${mb(bytes.byteLength)} JPEG): JS heap used ${mb(heapAfter.usedSize)}` +
      ` + backing stores ${mb(heapAfter.backingStorageSize ?? 0)}, tfjs wasm ${mb(tfjsWasm)},` +
      ` workerd peak RSS growth ${mb(rssGrowth)}, isolate estimate ${mb(isolateEstimate)}`,
  );
  expect(tfjsWasm).toBeLessThan(64 * MiB);
  expect(jsHeap + tfjsWasm).toBeLessThan(BOUND_BYTES);
  if (rssAfter) expect(isolateEstimate).toBeLessThan(BOUND_BYTES);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
