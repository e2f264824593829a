// One /predict request's memory, measured the same way by the memory tests: JS heap through the
// inspector, tfjs wasm through /health, and the workerd process' peak RSS growth through /proc.
import type { HealthResponse } from "@marquee/shared";
import { expect } from "vitest";
import type { RunningWorker } from "./start-worker.ts";
import {
  type HeapUsage,
  type ProcessMemory,
  processMemory,
  resetPeakRss,
  type WorkerInspector,
  workerdPids,
} from "./worker-memory.ts";

/** What {@link measurePredictMemory} saw around one request. */
export interface PredictMemory {
  /** The parsed JSON answer (the request is asserted to be 200). */
  answer: unknown;
  /** /health before and after the request. */
  idle: HealthResponse;
  after: HealthResponse;
  heapBefore: HeapUsage;
  /** Taken before garbage is collected, so close to the request's peak. */
  heapAfter: HeapUsage;
  /** Undefined where /proc cannot be read (not Linux). */
  rssAfter: ProcessMemory | undefined;
  /** JS heap used + ArrayBuffer backing stores after the request. */
  jsHeap: number;
  /** The workerd process' peak RSS during the request minus its RSS before; 0 without /proc. */
  rssGrowth: number;
  /** Idle isolate (V8 heap total + tfjs wasm) plus everything the request added to the process. */
  isolateEstimate: number;
}

/** Bytes as MiB with one decimal, for the tests' log lines. */
export const formatMiB = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * POST `bytes` to /predict on a worker run with an inspector and measure its memory.
 *
 * @example
 * const m = await measurePredictMemory(worker, inspector, bytes);
 * expect(m.isolateEstimate).toBeLessThan(100 * 1024 * 1024);
 */
export async function measurePredictMemory(
  worker: RunningWorker,
  inspector: WorkerInspector,
  bytes: Uint8Array,
): Promise<PredictMemory> {
  return measureConcurrentPredictMemory(worker, inspector, [bytes]);
}

/**
 * The same measurement around several /predict requests sent at once (each asserted 200);
 * `answer` is the first one's.
 *
 * @example
 * const m = await measureConcurrentPredictMemory(worker, inspector, Array(8).fill(bytes));
 */
export async function measureConcurrentPredictMemory(
  worker: RunningWorker,
  inspector: WorkerInspector,
  bodies: Uint8Array[],
): Promise<PredictMemory> {
  const health = async () => (await (await worker.fetch("/health")).json()) as HealthResponse;
  const idle = await health();
  const [pid] = await workerdPids();
  const heapBefore = await inspector.heapUsage();
  // The peak must be this request's, not the model load's (which allocates and drops weight copies).
  if (pid) await resetPeakRss(pid);
  const rssBefore = pid ? await processMemory(pid) : undefined;
  const responses = await Promise.all(
    bodies.map((body) => worker.fetch("/predict", { method: "POST", body: body as Uint8Array<ArrayBuffer> })),
  );
  const answers: unknown[] = [];
  for (const response of responses) {
    expect(response.status, await response.clone().text()).toBe(200);
    answers.push(await response.json());
  }
  const answer = answers[0];
  // Garbage is not collected yet, so this is close to the request's peak.
  const heapAfter = await inspector.heapUsage();
  const after = await health();
  const rssAfter = pid ? await processMemory(pid) : undefined;
  const jsHeap = heapAfter.usedSize + (heapAfter.backingStorageSize ?? 0);
  const rssGrowth = rssBefore && rssAfter ? rssAfter.peakRss - rssBefore.rss : 0;
  const isolateEstimate = heapBefore.totalSize + idle.wasmMemoryBytes + rssGrowth;
  return { answer, idle, after, heapBefore, heapAfter, rssAfter, jsHeap, rssGrowth, isolateEstimate };
}
