// The deployable bundle stays inside Cloudflare's limits: under 3 MB gzip (the free plan) for
// the script and its modules, and every static asset (the weights) under 25 MiB.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild, type WorkerBuild } from "../helpers/build-worker.ts";

const MAX_GZIP_BYTES = 3 * 1000 * 1000;
const MAX_ASSET_BYTES = 25 * 1024 * 1024;

let build: WorkerBuild;
beforeAll(async () => {
  build = await ensureWorkerBuild();
});

it("wrangler reports a gzip upload under 3 MB", () => {
  const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(build.wranglerOutput);
  expect(match, build.wranglerOutput).not.toBeNull();
  const gzipKiB = Number(match?.[2]);
  console.log(`dry-run bundle: ${match?.[1]} KiB total, ${gzipKiB} KiB gzip`);
  expect(gzipKiB * 1024).toBeLessThan(MAX_GZIP_BYTES);
});

it("the script and its wasm modules gzip to under 3 MB by our own count too", async () => {
  let total = 0;
  for (const file of await readdir(build.bundleDir)) {
    if (!/\.(js|wasm|bin)$/.test(file)) continue;
    total += gzipSync(await readFile(join(build.bundleDir, file))).byteLength;
  }
  expect(total).toBeGreaterThan(100_000);
  expect(total).toBeLessThan(MAX_GZIP_BYTES);
});

it("ships the weights as assets, each under 25 MiB, and not inside the script", async () => {
  const entries = await readdir(build.assetsDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  // The trainer's export: weights in shards named by model.json's manifest.
  const manifest = JSON.parse(
    await readFile(join(build.assetsDir, "models", "default", "model.json"), "utf8"),
  ).weightsManifest as { paths: string[] }[];
  const shards = manifest.flatMap((group) => group.paths);
  expect(shards.length).toBeGreaterThan(0);
  for (const shard of shards) expect(files).toContain(join(build.assetsDir, "models", "default", shard));
  for (const file of files) expect((await stat(file)).size).toBeLessThan(MAX_ASSET_BYTES);
  const bundled = await readdir(build.bundleDir);
  for (const shard of shards) expect(bundled).not.toContain(shard);
});
