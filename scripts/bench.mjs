// `pnpm bench [suite ...] [-- options]`: runs benchmark suites side by side in one process tree.
// Suites print their own tables; this only dispatches and forwards arguments.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const suites = {
  train: { file: "trainer/bench/train-bench.ts", about: "seed CNN training step and inference per backend" },
  edge: { file: "test/bench/edge-bench.ts", about: "worker in Miniflare: cold start, warm latency, req/s" },
  load: { file: "test/bench/load-bench.ts", about: "8 clients for 30 s against the worker" },
  decode: {
    file: "shared/scripts/bench-decode.ts",
    about: "decode to working size vs full-res vs sharp; per decoder with --data DIR",
  },
  resize: { file: "shared/scripts/bench-resize.ts", about: "JS resize vs tfjs resizeBilinear" },
  face: { file: "shared/scripts/bench-face.ts", about: "face detection, landmarks and descriptor latency" },
  gallery: {
    file: "test/bench/gallery-bench.ts",
    about: "identify latency and memory at 1k/10k/100k faces, enrolment rate",
  },
  embed: {
    file: "trainer/bench/embed-bench.ts",
    about: "face-trainer embedding photos/s at 1 vs N workers (needs --data DIR)",
  },
};

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log("usage: pnpm bench [suite ...] [options forwarded to each suite]\n\nsuites:");
  for (const [name, s] of Object.entries(suites)) console.log(`  ${name.padEnd(8)} ${s.about}`);
  console.log("\nWith no suite, runs train and edge.");
  process.exit(0);
}
const picked = args.filter((a) => a in suites);
const forwarded = args.filter((a) => !(a in suites) && a !== "--");
const run = picked.length ? picked : ["train", "edge"];

let failed = 0;
for (const name of run) {
  const file = join(root, suites[name].file);
  if (!existsSync(file)) {
    console.error(`bench ${name}: ${suites[name].file} does not exist yet; skipped.`);
    failed++;
    continue;
  }
  // With --json a suite's stdout is its JSON alone, so the banner goes to stderr.
  (forwarded.includes("--json") ? console.error : console.log)(
    `\n=== bench ${name}: ${suites[name].about} ===`,
  );
  const res = spawnSync(process.execPath, ["--import", "tsx", file, ...forwarded], {
    stdio: "inherit",
    cwd: root,
  });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
