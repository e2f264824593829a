import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { PerceptualHashes } from "../data/duplicates.ts";
import type { PhotoEmbedding } from "./embedding-cache.ts";
import type { FacePipelineConfig } from "./face-pipeline.ts";

/** A photo to embed, sent to a worker. */
export interface EmbedJob {
  id: number;
  path: string;
  hashes?: PerceptualHashes;
}

/** A worker's answer. */
export interface EmbedReply {
  id: number;
  result: PhotoEmbedding;
}

/** URL of tsx's ESM register API (Node 20 workers do not inherit the parent's TypeScript loader). */
function tsxEsmApi(): string {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (resolve) return resolve("tsx/esm/api");
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/index\.cjs$/, "index.mjs")).href;
}

/**
 * Worker threads that embed photos in parallel, each with its own wasm backend and face nets
 * (~25 MB of weights + ~100 MB of wasm heap per worker). Same pattern as the data side's
 * DecodePool: each worker registers tsx itself.
 *
 * @example
 * const pool = await EmbedPool.start(2, DEFAULT_FACE_PIPELINE);
 * const result = await pool.embed({ path, hashes });
 * await pool.close();
 */
export class EmbedPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<number, (r: EmbedReply) => void>();
  private nextId = 0;
  private closing = false;
  /** Set when a worker died; outstanding and later jobs answer with an error. */
  broken: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on("message", (msg: EmbedReply) => {
        const resolve = this.pending.get(msg.id);
        if (!resolve) return;
        this.pending.delete(msg.id);
        resolve(msg);
        const next = this.waiting.shift();
        if (next) next(w);
        else this.idle.push(w);
      });
      const die = (reason: string) => {
        this.broken ??= new Error(reason);
        for (const [id, resolve] of this.pending)
          resolve({ id, result: { status: "error", reason: `worker failed: ${reason}` } });
        this.pending.clear();
      };
      w.on("error", (e) => die(`embedding worker crashed: ${e.message}`));
      w.on("exit", (code) => {
        if (!this.closing) die(`embedding worker exited with code ${code}`);
      });
      this.idle.push(w);
    }
  }

  /** Start `count` workers and wait until each has loaded its nets. */
  static async start(count: number, config: FacePipelineConfig): Promise<EmbedPool> {
    const api = tsxEsmApi();
    const entry = new URL("./embed-worker.ts", import.meta.url).href;
    const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const w = new Worker(code, { eval: true, workerData: { config } });
          workers.push(w);
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
            const onExit = (c: number) => done(new Error(`embedding worker exited with code ${c}`));
            const timer = setTimeout(
              () => done(new Error("embedding worker did not start within 120 s")),
              120_000,
            );
            w.on("message", onMessage).on("error", onError).on("exit", onExit);
          });
        }),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new EmbedPool(workers);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Embed one photo on the next free worker. */
  async embed(job: Omit<EmbedJob, "id">): Promise<PhotoEmbedding> {
    if (this.broken) return { status: "error", reason: `worker failed: ${this.broken.message}` };
    const worker = this.idle.pop() ?? (await new Promise<Worker>((r) => this.waiting.push(r)));
    const id = this.nextId++;
    return new Promise<EmbedReply>((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ ...job, id } satisfies EmbedJob);
    }).then((r) => r.result);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
