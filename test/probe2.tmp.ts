import { ensureWorkerBuild } from "./helpers/build-worker.ts";
import { startWorker } from "./helpers/start-worker.ts";
const b = await ensureWorkerBuild();
const w = await startWorker({ ...b, inspectorPort: 9339 });
await (await w.fetch("/health")).text();
const list = await (await fetch("http://127.0.0.1:9339/json")).json();
console.log(JSON.stringify(list, null, 1));
await w.dispose();
