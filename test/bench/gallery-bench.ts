// `pnpm bench gallery`: the wrangler-built worker serving the bundled face model in Miniflare, with
// one gallery of 1k, 10k and 100k faces (synthetic unit-length embeddings, inserted through
// POST /galleries/{g}/import in 8 MiB pieces): identify latency (median, p95) and its search share,
// the isolate's memory around an identify, import speed, and enrolment throughput of real photos;
// /predict's latency on the same portrait, measured in the same run, is the yardstick (goal:
// identify within 50 ms of it at 10k faces).
//
//   pnpm bench gallery [-- --sizes 1000,10000,100000 --requests 30]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  embedderIdOf,
  encodeEmbedding,
  GALLERY_EXPORT_FORMAT,
  GALLERY_EXPORT_VERSION,
  type GalleryExport,
  type IdentifyResponse,
  parseModelMetadataText,
} from "@marquee/shared";
import { mulberry32 } from "@marquee/trainer/random";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { ensureFaceModel } from "../helpers/face-model.ts";
import { freePort } from "../helpers/free-port.ts";
import { FIVE_VARIANTS, HELD_BACK, portrait } from "../helpers/gallery-faces.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { startWorker } from "../helpers/start-worker.ts";
import { processMemory, resetPeakRss, WorkerInspector, workerdPids } from "../helpers/worker-memory.ts";
import { median, ms, percentile } from "./stats.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const SIZES = opt("--sizes", "1000,10000,100000").split(",").map(Number);
const REQUESTS = Number(opt("--requests", "30"));
const FACES_PER_PERSON = 50;
const IMPORT_FACES = 10_000;
const ADMIN = "bench-admin-key";
// The served model's embedder: an import stamped with another one is refused.
const EMBEDDER = embedderIdOf(
  parseModelMetadataText(readFileSync(join(REPO_DIR, "models", "default", "metadata.json"), "utf8")).face!,
);
const MiB = 1024 * 1024;

function randomUnit(random: () => number): Float32Array {
  const v = Float32Array.from({ length: 128 }, () => random() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const build = await ensureWorkerBuild({ modelDir: join(REPO_DIR, "models", "default") });
const { gallery: fixture } = await ensureFaceModel();
const person = fixture.people[0] as (typeof fixture.people)[number];
const photo = await portrait(person, HELD_BACK);
const port = await freePort();
const worker = await startWorker({
  ...build,
  quiet: true,
  inspectorPort: port,
  vars: { MARQUEE_ADMIN_KEY: ADMIN },
});
const inspector = await WorkerInspector.connect(port);
const auth = { authorization: `Bearer ${ADMIN}` };

async function timed(path: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const t = performance.now();
  const response = await worker.fetch(path, { method: "POST", body, headers });
  const json = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - t, json };
}

// Warm the model, then /predict as the yardstick.
await timed("/predict", photo);
const predict: number[] = [];
for (let i = 0; i < REQUESTS; i++) predict.push((await timed("/predict", photo)).ms);

const rows: string[][] = [];
const random = mulberry32(20261129);
for (const size of SIZES) {
  const gallery = `bench-${size}`;
  let importMs = 0;
  for (let start = 0; start < size; start += IMPORT_FACES) {
    const count = Math.min(IMPORT_FACES, size - start);
    const people: GalleryExport["people"] = [];
    for (let i = 0; i < count; i += FACES_PER_PERSON) {
      const faces = Array.from({ length: Math.min(FACES_PER_PERSON, count - i) }, () => ({
        embedding: encodeEmbedding(randomUnit(random)),
      }));
      people.push({ person: `p${(start + i) / FACES_PER_PERSON}`, faces });
    }
    const doc: GalleryExport = {
      format: GALLERY_EXPORT_FORMAT,
      formatVersion: GALLERY_EXPORT_VERSION,
      gallery,
      exportedAt: new Date().toISOString(),
      embedder: EMBEDDER,
      people,
    };
    importMs += (await timed(`/galleries/${gallery}/import`, JSON.stringify(doc), auth)).ms;
  }
  // The real face too, so identify has a true match among the synthetic ones.
  await timed(`/galleries/${gallery}/people/Ada/faces`, await portrait(person), auth);
  await timed(`/galleries/${gallery}/identify`, photo);
  // Interleaved with /predict on the same photo, so the machine's load drifts alike for both.
  const latencies: number[] = [];
  const predicts: number[] = [];
  const search: number[] = [];
  let label = "";
  for (let i = 0; i < REQUESTS; i++) {
    predicts.push((await timed("/predict", photo)).ms);
    const { ms: t, json } = await timed(`/galleries/${gallery}/identify`, photo);
    const body = json as IdentifyResponse;
    latencies.push(t);
    search.push(body.timingsMs.search);
    label = body.faces[0]?.label ?? "";
  }
  // Memory around one identify: JS heap (used + backing stores) after it, the process' peak RSS growth during it.
  const [pid] = await workerdPids();
  if (pid) await resetPeakRss(pid);
  const before = pid ? await processMemory(pid) : undefined;
  await timed(`/galleries/${gallery}/identify`, photo);
  const heap = await inspector.heapUsage();
  const after = pid ? await processMemory(pid) : undefined;
  const health = (await (await worker.fetch("/health")).json()) as { wasmMemoryBytes: number };
  rows.push([
    size.toLocaleString("en"),
    ms(median(latencies)),
    ms(percentile(latencies, 95)),
    ms(median(search)),
    ms(median(predicts)),
    // Paired: each identify against the /predict just before it, so load bursts cancel out.
    `${median(latencies.map((t, i) => t - (predicts[i] as number))).toFixed(1)} ms`,
    `${((heap.usedSize + (heap.backingStorageSize ?? 0)) / MiB).toFixed(1)} MiB`,
    `${(health.wasmMemoryBytes / MiB).toFixed(1)} MiB`,
    before && after ? `${((after.peakRss - before.rss) / MiB).toFixed(1)} MiB` : "–",
    `${Math.round(size / (importMs / 1000)).toLocaleString("en")} faces/s`,
    label,
  ]);
}

// Enrolment throughput: real photos (detect + embed + insert), one client then four.
const enrolPhotos = await Promise.all(
  [{}, HELD_BACK, ...FIVE_VARIANTS.slice(1, 3)].map((v) => portrait(person, v)),
);
const enrolRate = async (clients: number, total: number) => {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        await timed(
          `/galleries/enrol-${clients}/people/P${i % 40}/faces`,
          enrolPhotos[i % 4] as Uint8Array,
          auth,
        );
      }
    }),
  );
  return total / ((performance.now() - t) / 1000);
};
const enrol1 = await enrolRate(1, REQUESTS);
const enrol4 = await enrolRate(4, REQUESTS);
inspector.close();
await worker.dispose();

console.log(
  `\n/predict on the same portrait (bundled model, ${REQUESTS} requests): median ${ms(median(predict))}, p95 ${ms(percentile(predict, 95))}\n`,
);
const header = [
  "faces in gallery",
  "identify median",
  "identify p95",
  "search (median)",
  "predict median",
  "identify − predict (paired median)",
  "JS heap after",
  "tfjs wasm",
  "peak RSS growth",
  "import",
  "label",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => `${"-".repeat(w + 1)}:`).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(
  `\nenrolment (detect + embed + insert, one photo per request): ${enrol1.toFixed(1)} photos/s with 1 client, ${enrol4.toFixed(1)} photos/s with 4`,
);
