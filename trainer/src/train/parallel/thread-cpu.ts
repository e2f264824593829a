import { readFileSync } from "node:fs";

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
