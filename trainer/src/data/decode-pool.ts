import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { PerceptualHashes } from "./duplicates.ts";
import type { ImageCacheOptions } from "./image-cache.ts";
import type { DatasetFile } from "./types.ts";

/** URL of tsx's ESM register API (its `import` export, not the CommonJS one). */
function resolveTsxEsmApi(): string {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (resolve) return resolve("tsx/esm/api");
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/index\.cjs$/, "index.mjs")).href;
}

/** A decode request sent to a worker. */
export interface DecodeJob {
  id: number;
  file: DatasetFile;
  spec: ImageCacheOptions & { dir: string };
}

/** A worker's answer: the hashes, or why decoding failed. */
export type DecodeReply =
  | { id: number; hashes: PerceptualHashes }
  | { id: number; error: string; crashed?: true };

/**
 * Worker threads that decode photos into the cache in parallel (decoding is CPU-bound and
 * single-threaded wasm/JS). Each worker registers tsx itself, because on Node 20 a worker
 * does not inherit the parent's TypeScript loader.
 *
 * @example
 * const pool = await DecodePool.start(2, spec);
 * const result = await pool.decode(file); // { hashes } or { error }
 * await pool.close();
 */
export class DecodePool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker | null) => void)[] = [];
  private closing = false;
  private readonly pending = new Map<number, (r: DecodeReply) => void>();
  private readonly jobOf = new Map<Worker, number>();
  private nextId = 0;
  /** Set once a worker died; the caller then decodes in-process. */
  broken: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    private readonly spec: DecodeJob["spec"],
  ) {
    for (const w of workers) {
      w.on("message", (msg: DecodeReply) => {
        const resolve = this.pending.get(msg.id);
        if (!resolve) return;
        this.pending.delete(msg.id);
        this.jobOf.delete(w);
        resolve(msg);
        this.release(w);
      });
      const die = (reason: string) => {
        this.broken ??= new Error(reason);
        // Answer every outstanding job so nothing waits forever; the caller retries in-process.
        for (const [id, resolve] of this.pending) resolve({ id, error: reason, crashed: true });
        this.pending.clear();
        for (const wake of this.waiting.splice(0)) wake(null);
      };
      w.on("error", (e) => die(`decode worker crashed: ${e.message}`));
      w.on("exit", (code) => {
        if (!this.closing) die(`decode worker exited with code ${code}`);
      });
      this.idle.push(w);
    }
  }

  /** Start `count` workers; rejects if they cannot load (then decode in-process instead). */
  static async start(count: number, spec: DecodeJob["spec"]): Promise<DecodePool> {
    const tsxApi = resolveTsxEsmApi();
    const entry = new URL("./decode-worker.ts", import.meta.url).href;
    const code = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const w = new Worker(code, { eval: true });
        workers.push(w);
        await new Promise<void>((resolve, reject) => {
          // Remove only our own listeners: Worker keeps internal ones that removeAllListeners would break.
          const done = (err?: Error) => {
            clearTimeout(timer);
            w.off("message", onReady).off("error", onError).off("exit", onExit);
            if (err) reject(err);
            else resolve();
          };
          const onReady = () => done();
          const onError = (e: Error) => done(e);
          const onExit = (code: number) => done(new Error(`decode worker exited with code ${code}`));
          const timer = setTimeout(() => done(new Error("decode worker did not start within 30 s")), 30_000);
          w.on("message", onReady).on("error", onError).on("exit", onExit);
        });
      }
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new DecodePool(workers, spec);
  }

  /** Decode `file` into the cache on the next free worker. */
  async decode(file: DatasetFile): Promise<DecodeReply> {
    const id = this.nextId++;
    if (this.broken) return { id, error: this.broken.message, crashed: true };
    const worker = this.idle.pop() ?? (await new Promise<Worker | null>((r) => this.waiting.push(r)));
    const broken = this.broken as Error | null; // may have been set while waiting
    if (!worker || broken) return { id, error: broken?.message ?? "decode pool closed", crashed: true };
    return new Promise<DecodeReply>((resolve) => {
      this.pending.set(id, resolve);
      this.jobOf.set(worker, id);
      worker.postMessage({ id, file, spec: this.spec } satisfies DecodeJob);
    });
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private release(w: Worker): void {
    if (this.broken) return;
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }
}
