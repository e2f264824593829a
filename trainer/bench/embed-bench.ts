/**
 * Face-embedding throughput of the face trainer's EmbedPool at several worker counts, side by side
 * in one run, rounds interleaved so that machine load hits every count alike:
 *
 *   pnpm bench embed -- --data /work/shared/datasets/five-celeb [--workers 1,2] [--rounds 2]
 *
 * Each round embeds every photo under --data (detector, landmarks, descriptor; no cache) once per
 * worker count. Prints photos/s (wall, median over rounds), process CPU ms per photo, and photos/s
 * by the busiest thread's CPU time: the rate if every thread had a core (on a shared machine wall time
 * mostly measures the other sessions; see trainer/src/train/README.md, "Shared machines").
 */
import { readdir } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { EmbedPool } from "../src/face/embed-pool.ts";
import { DEFAULT_FACE_PIPELINE } from "../src/face/face-pipeline.ts";
import { busiestThreadMs, processThreadsCpuMs } from "../src/train/parallel/thread-cpu.ts";

const opts = new Command("embed-bench")
  .requiredOption("--data <dir>", "folder of photos (searched recursively)")
  .option("--workers <counts>", "worker counts to compare", `1,${Math.max(2, availableParallelism())}`)
  .option("--rounds <n>", "measured rounds", (v) => Number.parseInt(v, 10), 2)
  .option("--json", "print one JSON object { rows } on stdout (the table goes to stderr)", false)
  .parse()
  .opts<{ data: string; workers: string; rounds: number; json: boolean }>();

async function photos(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await photos(p)));
    else if (/\.(jpe?g|png|webp)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

const files = await photos(opts.data);
if (files.length === 0) throw new Error(`no photos under ${opts.data}`);
const counts = opts.workers.split(",").map((v) => Number.parseInt(v, 10));
console.error(
  `load average at start: ${loadavg()
    .map((v) => v.toFixed(1))
    .join(" ")}; ${files.length} photos`,
);
const pools = new Map<number, EmbedPool>();
for (const n of counts) pools.set(n, await EmbedPool.start(n, DEFAULT_FACE_PIPELINE));

/** Embeds every photo on `pool` with two jobs in flight per worker; returns wall s and CPU ms. */
async function pass(pool: EmbedPool, list: string[]) {
  const c0 = process.cpuUsage();
  const threads0 = processThreadsCpuMs();
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: pool.size * 2 }, async () => {
      while (next < list.length) {
        const r = await pool.embed({ path: list[next++]! });
        if (r.status === "error") failed++;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  const threads1 = processThreadsCpuMs();
  const busiestMs = threads0 && threads1 ? busiestThreadMs(threads0, threads1) : null;
  return { seconds: (performance.now() - t0) / 1000, cpuMs: (c.user + c.system) / 1000, busiestMs, failed };
}

const results = new Map<number, { rate: number[]; cpu: number[]; critical: number[]; failed: number }>(
  counts.map((n) => [n, { rate: [], cpu: [], critical: [], failed: 0 }]),
);
for (const n of counts) await pass(pools.get(n)!, files.slice(0, 4 * n)); // warm-up
for (let round = 0; round < opts.rounds; round++) {
  for (const n of counts) {
    const r = await pass(pools.get(n)!, files);
    const acc = results.get(n)!;
    acc.rate.push(files.length / r.seconds);
    acc.cpu.push(r.cpuMs / files.length);
    if (r.busiestMs) acc.critical.push((files.length * 1000) / r.busiestMs);
    acc.failed = r.failed;
    console.error(`  round ${round + 1}, ${n} worker(s): ${(files.length / r.seconds).toFixed(2)} photos/s`);
  }
}
for (const p of pools.values()) await p.close();

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const rows = counts.map((n) => {
  const r = results.get(n)!;
  return {
    workers: n,
    photosPerSecond: median(r.rate),
    cpuMsPerPhoto: median(r.cpu),
    ...(r.critical.length ? { photosPerSecondBusiestThread: median(r.critical) } : {}),
    errors: r.failed,
  };
});
const print = opts.json ? (l: string) => console.error(l) : (l: string) => console.log(l);
print(
  "| workers | photos/s (wall, median) | CPU ms/photo | photos/s by busiest thread | ratio to 1st row (wall; busiest thread) | errors (no face etc.) |",
);
print("|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  print(
    `| ${r.workers} | ${r.photosPerSecond.toFixed(2)} | ${r.cpuMsPerPhoto.toFixed(0)} | ${r.photosPerSecondBusiestThread?.toFixed(2) ?? "—"} | ${(r.photosPerSecond / rows[0]!.photosPerSecond).toFixed(2)}×; ${r.photosPerSecondBusiestThread && rows[0]!.photosPerSecondBusiestThread ? `${(r.photosPerSecondBusiestThread / rows[0]!.photosPerSecondBusiestThread).toFixed(2)}×` : "—"} | ${r.errors} |`,
  );
}
print(
  `\n${files.length} photos from ${opts.data}, ${opts.rounds} rounds. Load average at end: ${loadavg()
    .map((v) => v.toFixed(1))
    .join(" ")} on ${availableParallelism()} cores.`,
);
if (opts.json) console.log(JSON.stringify({ rows }));
