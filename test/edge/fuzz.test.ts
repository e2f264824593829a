// Hostile input: a seeded corpus of 1,000+ malformed requests. Each gets a JSON error with a stable
// code and its status (bit-flipped images that still decode may get 200), none a 5xx or a hang,
// and the worker answers a good photo identically afterwards.
import { ERROR_CODES, httpStatusFor } from "@marquee/shared";
import type { HealthResponse, PredictResponse } from "@marquee/shared/api";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoAs } from "../helpers/images.ts";
import { buildMalformedCorpus, type CorpusCase } from "../helpers/malformed-corpus.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

const SEED = 20261127;
const CONCURRENCY = 8;
const PER_REQUEST_TIMEOUT_MS = 15_000;

let worker: RunningWorker;
let corpus: CorpusCase[];
let good: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  const build = await ensureWorkerBuild();
  worker = await startWorker({ ...build, quiet: true });
  const [jpeg, png, webp, gif] = await Promise.all(
    (["jpeg", "png", "webp", "gif"] as const).map((f) => samplePhotoAs(f, 96)),
  );
  good = await samplePhotoAs("jpeg", 320);
  corpus = buildMalformedCorpus(
    { jpeg: jpeg as Uint8Array, png: png as Uint8Array, webp: webp as Uint8Array, gif: gif as Uint8Array },
    { seed: SEED, maxBytes: 10 * 1024 * 1024, minCases: 1000 },
  );
});
afterAll(async () => {
  await worker?.dispose();
});

async function send(c: CorpusCase): Promise<{ status: number; text: string }> {
  const request = worker.fetch("/predict", {
    method: "POST",
    body: c.body,
    headers: c.contentType ? { "content-type": c.contentType } : {},
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hang: "${c.name}" took over ${PER_REQUEST_TIMEOUT_MS} ms`)),
      PER_REQUEST_TIMEOUT_MS,
    );
  });
  try {
    const response = await Promise.race([request, timeout]);
    return { status: response.status, text: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}

it("answers every malformed request with a 4xx JSON error and a stable code, never 5xx or a hang", async () => {
  expect(corpus.length).toBeGreaterThanOrEqual(1000);
  const baseline = (await (
    await worker.fetch("/predict", { method: "POST", body: good })
  ).json()) as PredictResponse;
  const before = (await (await worker.fetch("/health")).json()) as HealthResponse;

  const seen = new Map<string, number>();
  const problems: string[] = [];
  let next = 0;
  const runOne = async () => {
    for (;;) {
      const c = corpus[next++];
      if (!c) return;
      const { status, text } = await send(c);
      let code = "";
      if (status === 200 && c.mayDecode) {
        const body = JSON.parse(text) as PredictResponse;
        if (body.predictions.length === 0) problems.push(`${c.name}: 200 without predictions`);
        code = "decoded";
      } else {
        try {
          code = (JSON.parse(text) as { error: { code: string } }).error.code;
        } catch {
          problems.push(`${c.name}: ${status} with a non-JSON body ${text.slice(0, 80)}`);
        }
        if (status < 400 || status >= 500) problems.push(`${c.name}: status ${status} ${text.slice(0, 120)}`);
        if (!(ERROR_CODES as readonly string[]).includes(code))
          problems.push(`${c.name}: unknown code "${code}"`);
        else if (httpStatusFor(code as (typeof ERROR_CODES)[number]) !== status) {
          problems.push(`${c.name}: code ${code} with status ${status}`);
        }
        if (/\bat \S+ \(|node_modules|\.ts\b/.test(text))
          problems.push(`${c.name}: leaks internals: ${text}`);
      }
      const key = `${status} ${code}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, runOne));
  console.log(
    `fuzz: ${corpus.length} cases (seed ${SEED}); statuses seen: ${[...seen.entries()]
      .sort()
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ")}`,
  );
  expect(problems).toEqual([]);

  const after = (await (
    await worker.fetch("/predict", { method: "POST", body: good })
  ).json()) as PredictResponse;
  expect(after.predictions).toEqual(baseline.predictions);
  const health = (await (await worker.fetch("/health")).json()) as HealthResponse;
  expect(health.tensors).toBe(before.tensors);
  expect(health.wasmMemoryBytes).toBe(before.wasmMemoryBytes);
});
