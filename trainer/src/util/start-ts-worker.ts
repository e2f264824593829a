import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** URL of tsx's ESM register API (Node 20 workers do not inherit the parent's TypeScript loader). */
function tsxEsmApi(): string {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (resolve) return resolve("tsx/esm/api");
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/index\.cjs$/, "index.mjs")).href;
}

/** How {@link startTsWorker} names the worker in its errors, and how long it waits for it. */
export interface StartWorkerOptions {
  /** e.g. "decode worker"; default "worker". */
  label?: string;
  /** Default 120 s. */
  timeoutMs?: number;
}

/**
 * Starts a worker thread running the TypeScript module `entry` (registering tsx in the worker, as
 * each worker must) and waits for its first message: `{ ready: true }`, or `{ failed: reason }`,
 * which rejects, as do an error, an early exit or `timeoutMs` of silence (the worker is then
 * terminated).
 *
 * @example
 * const w = await startTsWorker(new URL("./training-worker.ts", import.meta.url), { index: 0 });
 */
export async function startTsWorker(
  entry: URL,
  workerData: unknown,
  { label = "worker", timeoutMs = 120_000 }: StartWorkerOptions = {},
): Promise<Worker> {
  const api = tsxEsmApi();
  const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`;
  const w = new Worker(code, { eval: true, workerData });
  try {
    await new Promise<void>((resolve, reject) => {
      // Remove only our own listeners: Worker keeps internal ones that removeAllListeners would break.
      const done = (err?: Error) => {
        clearTimeout(timer);
        w.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (err) reject(err);
        else resolve();
      };
      const onMessage = (m: { ready?: true; failed?: string }) =>
        done(m?.failed ? new Error(m.failed) : undefined);
      const onError = (e: Error) => done(e);
      const onExit = (c: number) => done(new Error(`${label} exited with code ${c} while starting`));
      const timer = setTimeout(
        () => done(new Error(`${label} did not start within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      w.on("message", onMessage).on("error", onError).on("exit", onExit);
    });
  } catch (err) {
    await w.terminate();
    throw err;
  }
  return w;
}

/**
 * Starts one worker per `workerData` entry at once ({@link startTsWorker}); if any fails, terminates
 * the ones that started and rejects with the first failure's error.
 *
 * @example
 * const workers = await startTsWorkers(new URL("./embed-worker.ts", import.meta.url), [{ config }, { config }]);
 */
export async function startTsWorkers(
  entry: URL,
  workerData: readonly unknown[],
  options: StartWorkerOptions = {},
): Promise<Worker[]> {
  const started = await Promise.allSettled(workerData.map((data) => startTsWorker(entry, data, options)));
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(ok.map((w) => w.terminate()));
    throw failed.reason;
  }
  return ok;
}
