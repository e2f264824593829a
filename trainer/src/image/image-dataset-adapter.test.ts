import { describe, expect, it } from "vitest";
import { BatchIterator, type DatasetFile, type ImageDataset, type SampleSource } from "../data/index.ts";
import type { TrainingBatch } from "../train/data-source.ts";
import { trainingDataFromImageDataset } from "./image-dataset-adapter.ts";

const files: DatasetFile[] = Array.from({ length: 23 }, (_, i) => ({
  path: `/x/${i}.jpg`,
  classIndex: i % 3,
  bytes: 1,
  sha256: i.toString(16).padStart(64, "0"),
  format: "jpeg",
  width: 2,
  height: 2,
}));
/** Every pixel of file i is i, so batches show which files they hold. */
const source: SampleSource = {
  width: 2,
  height: 2,
  sampleLength: 12,
  async readInto(file, out, offset) {
    out.fill(Number(file.path.match(/(\d+)\.jpg/)![1]), offset, offset + 12);
  },
};
const ds = {
  classNames: ["a", "b", "c"],
  split: { train: files.slice(0, 20), validation: files.slice(20) },
  trainBatches: (o: object) => new BatchIterator(files.slice(0, 20), source, { seed: 9, ...o }),
  validationBatches: (o: object) =>
    new BatchIterator(files.slice(20), source, { seed: 9, shuffle: false, ...o }),
} as unknown as ImageDataset;

const ids = async (batches: AsyncIterable<TrainingBatch>) => {
  const out: number[][] = [];
  for await (const b of batches) out.push(Array.from({ length: b.ys.length }, (_, i) => b.xs[i * 12]!));
  return out;
};

describe("trainingDataFromImageDataset", () => {
  const data = trainingDataFromImageDataset(ds, 9, 2);

  it("replays an epoch's order, starting mid-epoch without changing it", async () => {
    const full = await ids(data.trainBatches({ epoch: 3, batchSize: 6, fromBatch: 0 }));
    expect(full.map((b) => b.length)).toEqual([6, 6, 6, 2]);
    expect(full.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await ids(data.trainBatches({ epoch: 3, batchSize: 6, fromBatch: 2 }))).toEqual(full.slice(2));
    expect(await ids(data.trainBatches({ epoch: 3, batchSize: 6, fromBatch: 0 }))).toEqual(full);
    expect(await ids(data.trainBatches({ epoch: 4, batchSize: 6, fromBatch: 0 }))).not.toEqual(full);
  });

  it("gives the validation set in file order with labels", async () => {
    expect(await ids(data.validationBatches({ batchSize: 2 }))).toEqual([[20, 21], [22]]);
    expect([data.trainSize, data.validationSize, data.imageSize]).toEqual([20, 3, 2]);
  });
});
