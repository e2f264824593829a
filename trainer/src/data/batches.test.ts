import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../util/random.ts";
import { BatchIterator, type ImageBatch, type SampleSource } from "./batches.ts";
import { ImageCache } from "./image-cache.ts";
import { scanDataset } from "./scan.ts";
import { shuffleBufferOrder } from "./shuffle-buffer.ts";
import { batchToTensors } from "./tensors.ts";
import { makeImage, put, tempDir } from "./test-support.ts";
import { type DatasetFile, silentLog } from "./types.ts";

/** A source whose pixels encode the file's number, counting every read. */
class CountingSource implements SampleSource {
  readonly width = 2;
  readonly height = 2;
  readonly sampleLength = 12;
  reads: string[] = [];
  async readInto(file: DatasetFile, out: Float32Array, offset: number): Promise<void> {
    this.reads.push(file.path);
    await new Promise((r) => setTimeout(r, 1));
    out.fill(Number(file.path.match(/(\d+)/)![1]), offset, offset + this.sampleLength);
  }
}

function files(n: number, classes = 3): DatasetFile[] {
  return Array.from({ length: n }, (_, i) => ({
    path: `/d/${i}.jpg`,
    classIndex: i % classes,
    bytes: 1,
    sha256: String(i).padStart(64, "0"),
    format: "jpeg" as const,
    width: 2,
    height: 2,
  }));
}

async function collect(it: AsyncIterable<ImageBatch>): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe("shuffleBufferOrder", () => {
  it("is a seeded permutation that never emits an item more than bufferSize-1 early", () => {
    const order = shuffleBufferOrder(5000, 1000, seededRandom(1));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(shuffleBufferOrder(5000, 1000, seededRandom(1))).toEqual(order);
    expect(shuffleBufferOrder(5000, 1000, seededRandom(2))).not.toEqual(order);
    // Item k enters the buffer only after k - (bufferSize - 1) items left it.
    for (const [pos, item] of order.entries()) expect(pos).toBeGreaterThanOrEqual(item - 999);
    expect(shuffleBufferOrder(10, 1, seededRandom(3))).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe("BatchIterator", () => {
  it("covers every sample exactly once per epoch, reshuffling each epoch, with labels aligned", async () => {
    const source = new CountingSource();
    const it = new BatchIterator(files(103), source, { batchSize: 10, seed: 7 });
    expect(it.batchesPerEpoch).toBe(11);
    const epoch0 = await collect(it.epoch(0));
    const epoch1 = await collect(it.epoch(1));
    const ids = (bs: ImageBatch[]) =>
      bs.flatMap((b) => Array.from({ length: b.size }, (_, k) => b.xs[k * 12]!));
    expect(epoch0.map((b) => b.size)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    expect([...ids(epoch0)].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect([...ids(epoch1)].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(ids(epoch1)).not.toEqual(ids(epoch0));
    // Same seed and epoch → same order (what --resume relies on).
    expect(
      ids(
        await collect(
          new BatchIterator(files(103), new CountingSource(), { batchSize: 10, seed: 7 }).epoch(1),
        ),
      ),
    ).toEqual(ids(epoch1));
    for (const b of epoch0) {
      for (let k = 0; k < b.size; k++) expect(b.ys[k]).toBe(b.xs[k * 12]! % 3);
      expect(b.files.map((f) => f.classIndex)).toEqual(Array.from(b.ys));
    }
  });

  it("resumes mid-epoch: fromBatch yields the same remaining batches without reading the skipped ones", async () => {
    const full = await collect(
      new BatchIterator(files(50), new CountingSource(), { batchSize: 8, seed: 3 }).epoch(2),
    );
    const source = new CountingSource();
    const resumed = await collect(
      new BatchIterator(files(50), source, { batchSize: 8, seed: 3 }).epoch(2, 4),
    );
    expect(resumed.map((b) => Array.from(b.ys))).toEqual(full.slice(4).map((b) => Array.from(b.ys)));
    expect(resumed.map((b) => Array.from(b.xs))).toEqual(full.slice(4).map((b) => Array.from(b.xs)));
    expect(source.reads).toHaveLength(50 - 4 * 8);
  });

  it("keeps validation order fixed when shuffle is off", async () => {
    const it = new BatchIterator(files(25), new CountingSource(), { batchSize: 8, shuffle: false });
    const b = await collect(it.epoch(3));
    expect(b.flatMap((x) => Array.from({ length: x.size }, (_, k) => x.xs[k * 12]))).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it("reads lazily: only the current batch and the prefetched ones, not the whole dataset", async () => {
    const source = new CountingSource();
    const it = new BatchIterator(files(1000), source, { batchSize: 32, prefetch: 1 });
    const gen = it.epoch(0);
    expect(source.reads).toHaveLength(0); // nothing read before iteration starts
    await gen.next();
    expect(source.reads.length).toBeLessThanOrEqual(2 * 32);
    await new Promise((r) => setTimeout(r, 50)); // let the prefetch finish; still bounded
    expect(source.reads.length).toBeLessThanOrEqual(2 * 32);
    await gen.next();
    await new Promise((r) => setTimeout(r, 50));
    expect(source.reads.length).toBeLessThanOrEqual(3 * 32);
    await gen.return(undefined);
  });

  it("prefetches the next batch while the current one is being used", async () => {
    const source = new CountingSource();
    const gen = new BatchIterator(files(100), source, { batchSize: 10, prefetch: 2 }).epoch(0);
    await gen.next();
    await new Promise((r) => setTimeout(r, 60));
    expect(source.reads).toHaveLength(30); // current + 2 ahead
    await gen.return(undefined);
  });

  it("applies a normalisation when asked", async () => {
    const it = new BatchIterator(files(4), new CountingSource(), {
      batchSize: 4,
      shuffle: false,
      normalization: { kind: "scale", scale: 1 / 255, offset: 0 },
    });
    const [b] = await collect(it.epoch(0));
    expect(b!.xs[3 * 12]).toBeCloseTo(3 / 255, 6);
  });

  it("surfaces a read failure as an error naming the file", async () => {
    const failing: SampleSource = {
      width: 1,
      height: 1,
      sampleLength: 3,
      readInto: async (f) => {
        if (f.path.endsWith("/5.jpg")) throw new Error("disk on fire");
      },
    };
    const it = new BatchIterator(files(20), failing, { batchSize: 4, shuffle: false, prefetch: 2 });
    await expect(collect(it.epoch(0))).rejects.toThrow(/Cannot read \/d\/5\.jpg for training: disk on fire/);
  });

  it("feeds real cached images and converts batches to tensors with one-hot labels", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      for (let i = 0; i < 6; i++) await put(dir, `data/c${i % 2}/${i}.jpg`, await makeImage(i));
      const scan = await scanDataset(join(dir, "data"), { log: silentLog });
      const cache = new ImageCache({ dir: join(dir, "cache"), width: 8, height: 6 });
      const it = new BatchIterator(scan.files, cache, { batchSize: 4, seed: 1 });
      const [b] = await collect(it.epoch(0));
      const { xs, ys } = batchToTensors(b!, 2);
      expect(xs.shape).toEqual([4, 6, 8, 3]);
      expect(ys.shape).toEqual([4, 2]);
      const labels = await ys.array();
      expect(labels.map((r) => r.indexOf(1))).toEqual(Array.from(b!.ys));
      expect(labels.flat().reduce((a, v) => a + v, 0)).toBe(4);
      expect(Array.from(await xs.data())).toEqual(Array.from(b!.xs));
      xs.dispose();
      ys.dispose();
    } finally {
      await cleanup();
    }
  });
});
