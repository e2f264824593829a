import { readdirSync, readFileSync } from "node:fs";

let unavailable = false;

/**
 * CPU time the calling thread has run so far, in ms (Linux: /proc/thread-self/schedstat, ns
 * precision), or null elsewhere. Unlike process.cpuUsage() it is per thread, so a step's critical
 * path (the slowest worker plus the main thread's serial part) can be told apart from time spent
 * waiting for a core on a shared machine.
 *
 * @example
 * const t0 = threadCpuMs(); work(); const ms = (threadCpuMs() ?? 0) - (t0 ?? 0);
 */
export function threadCpuMs(): number | null {
  if (unavailable) return null;
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    unavailable = true;
    return null;
  }
}

/**
 * CPU ms run so far by every thread of this process, by thread id (Linux: /proc/self/task/<tid>/
 * schedstat), or null elsewhere. Diffing two snapshots gives each thread's share of some work, e.g.
 * the busiest thread of a worker pool (its critical path when every thread has a core).
 *
 * @example
 * const a = processThreadsCpuMs(); await work(); const busiest = busiestThreadMs(a, processThreadsCpuMs());
 */
export function processThreadsCpuMs(): Map<string, number> | null {
  if (unavailable) return null;
  try {
    const out = new Map<string, number>();
    for (const tid of readdirSync("/proc/self/task")) {
      try {
        out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return out;
  } catch {
    unavailable = true;
    return null;
  }
}

/** The largest per-thread CPU ms between two {@link processThreadsCpuMs} snapshots. */
export function busiestThreadMs(before: Map<string, number>, after: Map<string, number>): number {
  let max = 0;
  for (const [tid, ms] of after) max = Math.max(max, ms - (before.get(tid) ?? 0));
  return max;
}
