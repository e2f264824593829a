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

/**
 * Starts a worker thread running the TypeScript module `entry` (registering tsx in the worker, as
 * the face side's EmbedPool does) and waits for its first message: `{ ready: true }`, or
 * `{ failed: reason }`, which rejects, as do an error, an early exit or `timeoutMs` of silence.
 *
 * @example
 * const w = await startTsWorker(new URL("./training-worker.ts", import.meta.url), { index: 0 });
 */
export async function startTsWorker(entry: URL, workerData: unknown, timeoutMs = 120_000): Promise<Worker> {
  const api = tsxEsmApi();
  const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`;
  const w = new Worker(code, { eval: true, workerData });
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        w.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (err) reject(err);
        else resolve();
      };
      const onMessage = (m: { ready?: true; failed?: string }) =>
        done(m.failed ? new Error(m.failed) : undefined);
      const onError = (e: Error) => done(e);
      const onExit = (c: number) => done(new Error(`worker exited with code ${c} while starting`));
      const timer = setTimeout(
        () => done(new Error(`worker did not start within ${timeoutMs / 1000} s`)),
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
