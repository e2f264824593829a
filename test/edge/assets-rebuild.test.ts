// Rebuilding the assets (`pnpm run deploy`, wrangler dev's second build, a test build) while a server
// is running on them must never leave it without a page or model: edge/scripts/prepare-assets.ts
// builds in a staging folder and renames each file over its old path. Before, it deleted the folder
// and copied it again, and a running `pnpm start` answered GET / with 404 until restarted.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild, type WorkerBuild } from "../helpers/build-worker.ts";
import { REPO_DIR } from "../helpers/paths.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

const run = promisify(execFile);
let build: WorkerBuild;
let dir: string;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  build = await ensureWorkerBuild();
  dir = await mkdtemp(join(tmpdir(), "marquee-assets-"));
});
afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function prepareAssets(assetsDir: string) {
  return run(process.execPath, ["--import", "tsx", "edge/scripts/prepare-assets.ts"], {
    cwd: REPO_DIR,
    env: { ...process.env, MARQUEE_MODEL_DIR: build.modelDir, MARQUEE_ASSETS_DIR: assetsDir },
  });
}

// Checks in a tight loop on another thread (so no gap is too short to see) that the page and the
// model's metadata can be read through the assets path; stops when told, reporting reads and misses.
const WATCHER = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
let stop = false, reads = 0, misses = 0, first = "";
parentPort.on("message", () => { stop = true; });
(function loop() {
  for (let i = 0; i < 2000; i++) {
    for (const file of workerData.files) {
      try { if (readFileSync(file).length === 0) throw new Error("empty " + file); reads++; }
      catch (e) { misses++; first ||= String(e.message); }
    }
  }
  if (stop) parentPort.postMessage({ reads, misses, first }); else setImmediate(loop);
})();
`;

it("keeps every asset readable and the running worker serving while the assets are rebuilt", async () => {
  const assetsDir = join(dir, "assets");
  await prepareAssets(assetsDir);
  // Miniflare's disk service holds the folder open, as in wrangler dev.
  worker = await startWorker({ bundleDir: build.bundleDir, assetsDir });
  expect((await worker.fetch("/")).status).toBe(200);

  const watcher = new Worker(WATCHER, {
    eval: true,
    workerData: {
      files: [join(assetsDir, "index.html"), join(assetsDir, "models", "default", "metadata.json")],
    },
  });
  const watched = new Promise<{ reads: number; misses: number; first: string }>((resolve) =>
    watcher.once("message", resolve),
  );
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    // Forget the last build so that this one really rebuilds.
    await rm(`${assetsDir}.inputs.json`, { force: true });
    const rebuild = prepareAssets(assetsDir);
    let done = false;
    void rebuild.finally(() => {
      done = true;
    });
    while (!done) {
      const res = await worker.fetch("/");
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect((await rebuild).stdout).toContain("prepare-assets: model");
  }
  watcher.postMessage("stop");
  const { reads, misses, first } = await watched;
  await watcher.terminate();

  expect(misses, `first failed read: ${first}`).toBe(0);
  expect(reads).toBeGreaterThan(1000);
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  const health = await worker.fetch("/health");
  expect(health.status, await health.text()).toBe(200);
  // No staging folder is left behind.
  expect((await readdir(dir)).sort()).toEqual(["assets", "assets.inputs.json"]);
  expect(await readFile(join(assetsDir, "index.html"), "utf8")).toContain("<html");
});

it("does not touch the assets when nothing changed since the last build", async () => {
  const assetsDir = join(dir, "assets");
  const { stdout } = await prepareAssets(assetsDir);
  expect(stdout).toContain("is up to date");
});
