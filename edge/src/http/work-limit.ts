import { MarqueeError } from "@marquee/shared";

/** Settings of a {@link WorkLimit}. */
export interface WorkLimitOptions {
  /** Requests allowed to read, decode and infer at once. */
  maxActive: number;
  /** Requests allowed to wait for a slot; beyond this they are refused at once. */
  maxQueued: number;
  /** How long a request may wait for a slot before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Bounds the /predict work in flight in one isolate. An isolate runs JavaScript on one thread, so
 * admitting more decodes at once adds no throughput, only memory: every admitted request holds its
 * body (up to MAX_BYTES) and its decoder state. A request that finds every slot taken waits in a
 * FIFO queue without reading its body (so waiting costs almost nothing); if the queue is full or
 * the wait runs out it gets `busy` (503) with a Retry-After.
 *
 * @example
 * const limit = new WorkLimit({ maxActive: 2, maxQueued: 64, maxWaitMs: 15000 });
 * const release = await limit.acquire(); // throws MarqueeError("busy") when saturated
 * try { await work(); } finally { release(); }
 */
export class WorkLimit {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly options: WorkLimitOptions) {}

  /** Requests holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a release function once a slot is free; rejects with `busy`. Call release exactly once. */
  acquire(): Promise<() => void> {
    if (this.active < this.options.maxActive && this.queue.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(busy(this.options));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(busy(this.options));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.releaser()); // the slot passes straight to the next waiter
      } else {
        this.active--;
      }
    };
  }
}

/** Seconds a refused client is told to wait (Retry-After): about one queue wait, at least 1 s. */
export function retryAfterSeconds(options: WorkLimitOptions): number {
  return Math.max(1, Math.ceil(options.maxWaitMs / 1000));
}

function busy(options: WorkLimitOptions): MarqueeError {
  return new MarqueeError(
    "busy",
    `The worker is busy with other images (${options.maxActive} at once, ${options.maxQueued} waiting); retry in ${retryAfterSeconds(options)} s.`,
  );
}
