// 20 concurrent requests on a cold isolate share one backend/model initialisation and all succeed.

import type { HealthResponse, PredictResponse } from "@marquee/shared/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhoto } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
let photos: Uint8Array<ArrayBuffer>[];

beforeAll(async () => {
  const build = await ensureWorkerBuild();
  photos = await Promise.all([1, 2, 3, 4, 5, 6].map(samplePhoto));
  // The isolate works on one request at a time (MAX_CONCURRENT_PREDICTS) and queues the rest; on a
  // loaded test machine the 20th may wait longer than the default 15 s, and this test is about
  // sharing one initialisation and answering identically, not latency.
  worker = await startWorker({ ...build, vars: { PREDICT_QUEUE_WAIT_MS: "120000" } });
});
afterAll(async () => {
  await worker?.dispose();
});

async function burst(): Promise<PredictResponse[]> {
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      worker.fetch("/predict", { method: "POST", body: photos[i % photos.length] as Uint8Array }),
    ),
  );
  for (const r of responses) expect(r.status).toBe(200);
  return Promise.all(responses.map((r) => r.json() as Promise<PredictResponse>));
}

it("answers 20 concurrent requests on a cold isolate, then 20 warm ones, identically", async () => {
  // The very first requests this isolate sees: backend and model load happen under them.
  const cold = await burst();
  const warm = await burst();
  expect(warm.map((r) => r.predictions)).toEqual(cold.map((r) => r.predictions));
  // Same photo, same answer, whichever concurrent request carried it.
  for (let i = 6; i < 20; i++) expect(cold[i]?.predictions).toEqual(cold[i % 6]?.predictions);
  const health = (await (await worker.fetch("/health")).json()) as HealthResponse;
  expect(health.model.loaded).toBe(true);
});
