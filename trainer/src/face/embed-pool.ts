import type { Worker } from "node:worker_threads";
import type { PerceptualHashes } from "../data/duplicates.ts";
import { startTsWorkers } from "../util/start-ts-worker.ts";
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
    const entry = new URL("./embed-worker.ts", import.meta.url);
    const workers = await startTsWorkers(
      entry,
      Array.from({ length: count }, () => ({ config })),
      { label: "embedding worker" },
    );
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
