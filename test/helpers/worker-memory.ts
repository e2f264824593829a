// Memory probes for a Miniflare-run worker: the JS heap through the V8 inspector, and the workerd
// process' resident set (which also covers every wasm memory) through /proc.
import { readdir, readFile, writeFile } from "node:fs/promises";
import WebSocket from "ws";

/** V8's Runtime.getHeapUsage for the user worker's isolate, in bytes. */
export interface HeapUsage {
  usedSize: number;
  totalSize: number;
  /** ArrayBuffer backing stores (typed-array pixel buffers live here), when V8 reports it. */
  backingStorageSize?: number;
}

/** A connection to the user worker's inspector; Miniflare must run with `inspectorPort`. */
export class WorkerInspector {
  private nextId = 1;
  private constructor(private readonly socket: WebSocket) {}

  static async connect(port: number): Promise<WorkerInspector> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/core:user:`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new WorkerInspector(socket);
  }

  /** Send one CDP command and wait for its result. */
  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; result?: T; error?: { message: string } };
        if (message.id !== id) return;
        this.socket.off("message", onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as T);
      };
      this.socket.on("message", onMessage);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap usage right now. (workerd never answers HeapProfiler.collectGarbage, so no GC is forced.) */
  heapUsage(): Promise<HeapUsage> {
    return this.send<HeapUsage>("Runtime.getHeapUsage");
  }

  close(): void {
    this.socket.close();
  }
}

/** Resident memory of one process, from /proc/<pid>/status, in bytes. */
export interface ProcessMemory {
  rss: number;
  /** Peak resident set since the process started (VmHWM). */
  peakRss: number;
}

/** Pids of the workerd processes started by this Node process (Linux only; empty elsewhere). */
export async function workerdPids(): Promise<number[]> {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1]);
      const name = /^Name:\s*(.+)$/m.exec(status)?.[1] ?? "";
      if (ppid === process.pid && name.startsWith("workerd")) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * Reset a process' peak resident set (VmHWM) to its current size, so a later peak belongs to what
 * happened after this call (Linux: `5` in /proc/<pid>/clear_refs). False when not possible.
 */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** RSS and peak RSS of a process. */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peakRss: kb("VmHWM") };
}
