import type { Worker } from "node:worker_threads";
import { startTsWorker } from "../util/start-ts-worker.ts";
import type { PerceptualHashes } from "./duplicates.ts";
import type { ImageCacheOptions } from "./image-cache.ts";
import type { DatasetFile } from "./types.ts";

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
    const entry = new URL("./decode-worker.ts", import.meta.url);
    const workers: Worker[] = [];
    try {
      // One at a time, as this pool has always started them (the other pools start theirs at once).
      for (let i = 0; i < count; i++) {
        workers.push(await startTsWorker(entry, undefined, { label: "decode worker", timeoutMs: 30_000 }));
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
