import sharp from "sharp";
import { ensureWorkerBuild } from "./helpers/build-worker.ts";
import { startWorker } from "./helpers/start-worker.ts";
import { WorkerInspector, workerdPids, processMemory } from "./helpers/worker-memory.ts";
const b = await ensureWorkerBuild();
const mp = Number(process.argv[2] ?? 12);
const w = await startWorker({ ...b, inspectorPort: 9340, vars: { MAX_MEGAPIXELS: String(mp) } });
console.log(await (await w.fetch("/health")).text());
const insp = await WorkerInspector.connect(9340);
const pids = await workerdPids(); console.log("pids", pids);
const width = Math.floor(Math.sqrt(mp * 1e6 * 4 / 3)); const height = Math.floor(mp * 1e6 / width);
let t = Date.now();
const img = await sharp("/work/main/shared/node_modules/@vladmandic/face-api/demo/sample1.jpg").resize(width, height, { fit: "fill" }).jpeg({ quality: 90 }).toBuffer();
console.log("img", width, height, img.length, Date.now() - t);
console.log("before", await insp.heapUsage(), await processMemory(pids[0]));
t = Date.now();
const r = await w.fetch("/predict", { method: "POST", body: img });
console.log(r.status, (await r.text()).slice(0, 400), Date.now() - t);
console.log("after", await insp.heapUsage(), await processMemory(pids[0]));
console.log(await (await w.fetch("/health")).text());


insp.close(); await w.dispose();
