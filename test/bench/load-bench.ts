// `pnpm bench load`: a bounded load test on loopback: 8 concurrent clients for 30 s against the
// wrangler-built worker in Miniflare, posting face-api's six sample photos (1920 px wide) in turn,
// scaled down with sharp where the served model's megapixel limit (GET /health) is lower (50 MP by
// default, so normally they go as they are). Reports throughput and p50/p95/p99 latency; exits non-zero
// on any error.
//
//   pnpm bench load [--seconds 30] [--clients 8] [--model <exported model dir>]
import { resolve } from "node:path";
import type { HealthResponse } from "@marquee/shared";
import sharp from "sharp";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhoto, samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { startWorker } from "../helpers/start-worker.ts";
import { ms, percentile } from "./stats.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
};
const seconds = Number(arg("seconds", "30"));
const clients = Number(arg("clients", "8"));
const modelArg = arg("model", "");

const build = await ensureWorkerBuild(modelArg ? { modelDir: resolve(REPO_DIR, modelArg) } : {});
const worker = await startWorker({ ...build, quiet: true });
const health = (await (await worker.fetch("/health")).json()) as HealthResponse;
const maxPixels = health.limits.maxMegapixels * 1e6;
const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => photoWithin(n, maxPixels)));
const widths = [...new Set(photos.map((p) => p.width))].join("/");
// Warm the isolate so the table shows steady state.
const warm = await worker.fetch("/predict", { method: "POST", body: photos[0]?.bytes });
if (warm.status !== 200) throw new Error(`warm-up request: HTTP ${warm.status} ${await warm.text()}`);

const latencies: number[] = [];
const errors = new Map<string, number>();
let sent = 0;
const started = performance.now();
const until = started + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const photo = photos[sent++ % photos.length]?.bytes;
      const t = performance.now();
      try {
        const response = await worker.fetch("/predict", { method: "POST", body: photo });
        await response.arrayBuffer();
        if (response.status === 200) latencies.push(performance.now() - t);
        else errors.set(`HTTP ${response.status}`, (errors.get(`HTTP ${response.status}`) ?? 0) + 1);
      } catch (err) {
        const key = (err as Error).message.slice(0, 60);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
await worker.dispose();

const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
console.log(
  `\nLoad: ${clients} clients × ${seconds} s, six sample photos (${widths} px wide), worker in Miniflare (loopback)`,
);
console.table([
  {
    requests: latencies.length + errorCount,
    errors: errorCount,
    "req/s": (latencies.length / elapsed).toFixed(1),
    p50: ms(percentile(latencies, 50)),
    p95: ms(percentile(latencies, 95)),
    p99: ms(percentile(latencies, 99)),
    max: ms(Math.max(...latencies)),
  },
]);
if (errorCount) {
  console.error("errors:", Object.fromEntries(errors));
  process.exit(1);
}
process.exit(0);

/** Sample photo `n` as it is, or re-encoded (JPEG, same aspect) just under `maxPixels` if larger. */
async function photoWithin(
  n: number,
  maxPixels: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; width: number }> {
  const { width = 0, height = 0 } = await sharp(samplePhotoPath(n)).metadata();
  if (width * height <= maxPixels) return { bytes: await samplePhoto(n), width };
  const scaled = Math.floor(width * Math.sqrt((maxPixels * 0.99) / (width * height)));
  const bytes = await sharp(samplePhotoPath(n)).resize({ width: scaled }).jpeg({ quality: 90 }).toBuffer();
  return { bytes: new Uint8Array(bytes), width: scaled };
}
