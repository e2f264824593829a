import { spawn } from "node:child_process";
import { readdir, readFile, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage, preprocessImage } from "@marquee/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_ENTRY_HEADER_BYTES, cacheEntryLength } from "./cache-entry.ts";
import { defaultCacheDir, ImageCache } from "./image-cache.ts";
import { prepareImages } from "./prepare.ts";
import { scanDataset } from "./scan.ts";
import { makeImage, put, tempDir } from "./test-support.ts";
import { type DatasetFile, silentLog } from "./types.ts";

describe("ImageCache", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: DatasetFile[];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await put(dir, "data/a/one.jpg", await makeImage(1, { width: 120, height: 90 }));
    await put(dir, "data/a/two.png", await makeImage(2, { width: 50, height: 70, format: "png" }));
    await put(dir, "data/b/three.webp", await makeImage(3, { width: 64, height: 64, format: "webp" }));
    files = (await scanDataset(join(dir, "data"), { log: silentLog })).files;
  });
  afterAll(() => cleanup());

  async function expected(file: DatasetFile, size: number): Promise<Float32Array> {
    const { image } = await decodeImage(new Uint8Array(await readFile(file.path)));
    return preprocessImage(image, {
      input: { width: size, height: size, channels: 3 },
      preprocessing: {
        resize: "bilinear",
        fit: "stretch",
        normalization: { kind: "scale", scale: 1, offset: 0 },
      },
    });
  }

  it("round-trips: the cached pixels equal decode + preprocess, unnormalised 0..255", async () => {
    const cache = new ImageCache({ dir: join(dir, "cache1"), width: 32, height: 32 });
    for (const f of files) {
      const cold = await cache.read(f);
      const warm = await cache.read(f);
      const want = await expected(f, 32);
      expect(cold).toEqual(want);
      expect(warm).toEqual(want);
      expect(Math.max(...warm)).toBeGreaterThan(1.5); // not normalised to 0..1
    }
    expect(cache.stats).toEqual({ hits: 3, computed: 3, repaired: 0, reads: 3 });
    // A warm read lands exactly at the offset in a batch buffer, touching nothing else.
    const n = cache.sampleLength;
    const batch = new Float32Array(3 * n).fill(-1);
    await cache.readInto(files[1]!, batch, n);
    expect(batch.subarray(n, 2 * n)).toEqual(await expected(files[1]!, 32));
    expect(batch.subarray(0, n).every((v) => v === -1)).toBe(true);
    expect(batch.subarray(2 * n).every((v) => v === -1)).toBe(true);
    const entry = await readFile(cache.entryPath(files[0]!.sha256));
    expect(entry.length).toBe(CACHE_ENTRY_HEADER_BYTES + 32 * 32 * 3 * 4);
    // Atomic writes leave no temp files behind.
    const shards = await readdir(cache.specDir);
    for (const shard of shards) {
      expect((await readdir(join(cache.specDir, shard))).every((n) => n.endsWith(".bin"))).toBe(true);
    }
  });

  it("detects a truncated entry and recomputes it", async () => {
    const cache = new ImageCache({ dir: join(dir, "cache2"), width: 24, height: 24 });
    const f = files[0]!;
    const want = await cache.read(f);
    const path = cache.entryPath(f.sha256);
    await truncate(path, 1000);
    expect(await cache.checkEntry(f.sha256)).toMatch(/^truncated/);
    expect(await cache.has(f.sha256)).toBe(false);
    expect(await cache.read(f)).toEqual(want);
    expect(cache.stats.repaired).toBe(1);
    expect(await cache.checkEntry(f.sha256)).toBeNull();
    expect((await readFile(path)).length).toBe(cacheEntryLength(cache));
    // A header-only stub (a crash right after the header) is caught too.
    await truncate(path, 10);
    expect(await cache.read(f)).toEqual(want);
    expect(cache.stats.repaired).toBe(2);
  });

  it("detects a flipped payload byte (CRC) and an entry for other content", async () => {
    const cache = new ImageCache({ dir: join(dir, "cache3"), width: 16, height: 16 });
    const [f, g] = files as [DatasetFile, DatasetFile];
    const want = await cache.read(f);
    const path = cache.entryPath(f.sha256);
    const bytes = await readFile(path);
    bytes[CACHE_ENTRY_HEADER_BYTES + 100]! ^= 0x40;
    await writeFile(path, bytes);
    expect(await cache.checkEntry(f.sha256)).toBe("payload CRC mismatch");
    expect(await cache.read(f)).toEqual(want);
    // Another photo's entry copied under f's name.
    await cache.read(g);
    await writeFile(path, await readFile(cache.entryPath(g.sha256)));
    expect(await cache.checkEntry(f.sha256)).toBe("entry belongs to other content");
    expect(await cache.read(f)).toEqual(want);
  });

  it("keys entries by size and dtype; uint8 rounds to within 0.5", async () => {
    const base = join(dir, "cache4");
    const f = files[1]!;
    const a = new ImageCache({ dir: base, width: 20, height: 20 });
    const b = new ImageCache({ dir: base, width: 30, height: 20 });
    const c = new ImageCache({ dir: base, width: 20, height: 20, dtype: "uint8" });
    expect(new Set([a.entryPath(f.sha256), b.entryPath(f.sha256), c.entryPath(f.sha256)]).size).toBe(3);
    const exact = await a.read(f);
    expect((await b.read(f)).length).toBe(30 * 20 * 3);
    const cold = await c.read(f);
    const warm = await c.read(f);
    expect(warm).toEqual(cold);
    for (let i = 0; i < exact.length; i++) expect(Math.abs(warm[i]! - exact[i]!)).toBeLessThanOrEqual(0.5);
    expect((await readFile(c.entryPath(f.sha256))).length).toBe(CACHE_ENTRY_HEADER_BYTES + 20 * 20 * 3);
  });

  it("refuses to cache a file that changed since the scan", async () => {
    const cache = new ImageCache({ dir: join(dir, "cache5"), width: 8, height: 8 });
    const changed = { ...files[0]!, sha256: "0".repeat(64) };
    await expect(cache.read(changed)).rejects.toThrow(/changed since the data folder was scanned/);
  });

  it("defaults to $MARQUEE_CACHE_DIR, then $XDG_CACHE_HOME/marquee, then ~/.cache/marquee", () => {
    expect(defaultCacheDir({ MARQUEE_CACHE_DIR: "/x" })).toBe("/x");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/marquee");
    expect(defaultCacheDir({})).toMatch(/\.cache\/marquee$/);
  });
});

describe("prepareImages", () => {
  it("decodes each distinct content once, drops files whose full decode fails, and reuses the cache", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const a = await makeImage(1, { width: 100, height: 80 });
      await put(dir, "data/x/a.jpg", a);
      await put(dir, "data/x/a-copy.jpg", a);
      await put(dir, "data/y/b.png", await makeImage(2, { format: "png" }));
      // Valid header, data cut off: the scan accepts it, the decoder does not.
      const truncated = await makeImage(3, { format: "png" });
      await put(dir, "data/y/truncated.png", truncated.subarray(0, Math.floor(truncated.length / 2)));
      const scan = await scanDataset(join(dir, "data"), { log: silentLog });
      expect(scan.files).toHaveLength(4);

      const cache = new ImageCache({ dir: join(dir, "cache"), width: 16, height: 16 });
      const first = await prepareImages(scan.files, cache, { log: silentLog, progress: false });
      expect(first.decoded).toBe(3); // a (once for both copies), b, truncated
      expect(first.files.map((f) => f.path.split("/").pop())).toEqual(["a-copy.jpg", "a.jpg", "b.png"]);
      expect(first.skipped).toHaveLength(1);
      expect(first.skipped[0]!.path).toMatch(/truncated\.png$/);
      expect(first.skipped[0]!.reason).toMatch(/^could not be decoded: /);
      expect(first.hashes[0]).toEqual(first.hashes[1]);
      expect(first.hashes[0]!.dct).toMatch(/^[0-9a-f]{16}$/);

      const again = await prepareImages(
        scan.files,
        new ImageCache({ dir: join(dir, "cache"), width: 16, height: 16 }),
        {
          log: silentLog,
          progress: false,
        },
      );
      expect(again.decoded).toBe(1); // only the broken file is retried
      expect(again.hashes).toEqual(first.hashes);
    } finally {
      await cleanup();
    }
  });

  it("decodes in worker threads with the same results as in-process", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      for (let i = 0; i < 8; i++)
        await put(dir, `data/c${i % 2}/${i}.jpg`, await makeImage(40 + i, { width: 90, height: 70 }));
      await put(dir, "data/c1/bad.png", (await makeImage(60, { format: "png" })).subarray(0, 200));
      const scan = await scanDataset(join(dir, "data"), { log: silentLog });
      const warnings: string[] = [];
      const log = { info: () => {}, warn: (l: string) => warnings.push(l) };
      const inWorkers = new ImageCache({ dir: join(dir, "w"), width: 12, height: 12 });
      const inProcess = new ImageCache({ dir: join(dir, "p"), width: 12, height: 12 });
      const a = await prepareImages(scan.files, inWorkers, { log, progress: false, workers: 2 });
      expect(warnings.filter((w) => !w.includes("bad.png") && !w.startsWith("skipped"))).toEqual([]);
      const b = await prepareImages(scan.files, inProcess, { log: silentLog, progress: false, workers: 0 });
      expect(a.hashes).toEqual(b.hashes);
      expect(a.skipped.map((s) => s.path)).toEqual(b.skipped.map((s) => s.path));
      expect(a.skipped[0]!.reason).toMatch(/^could not be decoded/);
      for (const f of a.files) {
        expect(await inWorkers.checkEntry(f.sha256)).toBeNull();
        expect(await inWorkers.read(f)).toEqual(await inProcess.read(f));
      }
    } finally {
      await cleanup();
    }
  });

  it("survives SIGKILL mid-write: every entry left is whole or absent, then the cache recovers", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      for (let i = 0; i < 6; i++)
        await put(dir, `data/c${i % 2}/${i}.jpg`, await makeImage(70 + i, { width: 400, height: 300 }));
      const cacheDir = join(dir, "cache");
      const script = fileURLToPath(new URL("./cache-writer.test-child.ts", import.meta.url));
      // `node --import tsx` rather than the tsx CLI: the CLI runs the script in a grandchild
      // that SIGKILL on the CLI would not reach.
      const loader = new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
      const child = spawn(process.execPath, ["--import", loader, script, join(dir, "data"), cacheDir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((r) => setTimeout(r, 1500));
      child.kill("SIGKILL");
      const signal = await new Promise((r) => child.once("exit", (_code, sig) => r(sig)));
      expect(signal).toBe("SIGKILL");
      const afterKill = await listEntries(cacheDir);
      await new Promise((r) => setTimeout(r, 300));
      expect(await listEntries(cacheDir)).toEqual(afterKill); // nothing is still writing

      const scan = await scanDataset(join(dir, "data"), { log: silentLog });
      const cache = new ImageCache({ dir: cacheDir, width: 160, height: 160 });
      for (const f of scan.files) {
        const problem = await cache.checkEntry(f.sha256);
        expect(problem === null || problem === "missing").toBe(true);
      }
      // Simulate the worst torn write a non-atomic writer could leave, plus an old temp file.
      const f0 = scan.files[0]!;
      const entry = await readFile(cache.entryPath(f0.sha256)).catch(() => null);
      if (entry) await writeFile(cache.entryPath(f0.sha256), entry.subarray(0, entry.length >> 1));
      const shard = join(cache.specDir, f0.sha256.slice(0, 2));
      const stale = join(shard, "x.bin.1.dead.tmp");
      await put(shard, "x.bin.1.dead.tmp", "partial");
      await utimes(stale, new Date(0), new Date(0));
      const result = await prepareImages(scan.files, cache, { log: silentLog, progress: false, workers: 0 });
      expect(result.skipped).toEqual([]);
      for (const f of scan.files) {
        await cache.read(f);
        expect(await cache.checkEntry(f.sha256)).toBeNull();
      }
      await expect(readFile(stale)).rejects.toThrow();
    } finally {
      await cleanup();
    }
  });
});

async function listEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(`${e.name}:${(await readFile(join(d, e.name)).catch(() => Buffer.alloc(0))).length}`);
    }
  };
  await walk(dir);
  return out.sort();
}
