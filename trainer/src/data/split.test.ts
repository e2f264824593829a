import { describe, expect, it } from "vitest";
import { seededRandom } from "../util/random.ts";
import { datasetFingerprint } from "./fingerprint.ts";
import { measureLeakage, naiveSplit, splitDataset } from "./split.ts";
import type { DatasetFile } from "./types.ts";

/**
 * A synthetic dataset: `perClass` files per class, where some contents repeat
 * (byte-identical copies share a sha256) and each copy set is one duplicate unit.
 */
function syntheticFiles(perClass: number[], copyEvery = 7, copies = 3) {
  const files: DatasetFile[] = [];
  const unitOf: number[] = [];
  for (const [c, n] of perClass.entries()) {
    let k = 0;
    while (k < n) {
      const unitSize = k % copyEvery === 0 ? Math.min(copies, n - k) : 1;
      const unit = files.length;
      const sha = `${c}-${k}-`.padEnd(64, "0");
      for (let j = 0; j < unitSize; j++) {
        files.push({
          path: `/data/class${c}/${k + j}.jpg`,
          classIndex: c,
          bytes: 1000,
          sha256: sha,
          format: "jpeg",
          width: 10,
          height: 10,
        });
        unitOf.push(unit);
      }
      k += unitSize;
    }
  }
  return { files, unitOf };
}

describe("splitDataset", () => {
  const { files, unitOf } = syntheticFiles([90, 95, 180, 40, 3]);

  it("is deterministic for a seed and differs between seeds", () => {
    const a = splitDataset(files, unitOf, { seed: 123 });
    const b = splitDataset(files, unitOf, { seed: 123 });
    const c = splitDataset(files, unitOf, { seed: 124 });
    expect(b.validationIndices).toEqual(a.validationIndices);
    expect(b.trainIndices).toEqual(a.trainIndices);
    expect(new Set(c.validationIndices)).not.toEqual(new Set(a.validationIndices));
  });

  it("puts every file on exactly one side", () => {
    const s = splitDataset(files, unitOf);
    const all = [...s.trainIndices, ...s.validationIndices].sort((x, y) => x - y);
    expect(all).toEqual(files.map((_, i) => i));
    expect(s.train).toHaveLength(s.trainIndices.length);
    expect(s.validation[0]).toBe(files[s.validationIndices[0]!]);
  });

  it("never lets a duplicate group straddle the split, for many seeds", () => {
    for (let seed = 0; seed < 50; seed++) {
      const s = splitDataset(files, unitOf, { seed, validationSplit: 0.2 });
      const trainUnits = new Set(s.trainIndices.map((i) => unitOf[i]));
      expect(s.validationIndices.filter((i) => trainUnits.has(unitOf[i]!))).toEqual([]);
      expect(measureLeakage(files, unitOf, s.trainIndices, s.validationIndices).groupLeaks).toBe(0);
    }
  });

  it("stratifies: each class gets its share of validation, totalling floor(n × split)", () => {
    // Without groups the total is exact, as in Keras.
    expect(splitDataset(files, null, { validationSplit: 0.1 }).validationIndices).toHaveLength(
      Math.floor(files.length * 0.1),
    );
    // With groups of 3 a class may overshoot or undershoot by less than half a group.
    const s = splitDataset(files, unitOf, { validationSplit: 0.1 });
    expect(Math.abs(s.validationIndices.length - Math.floor(files.length * 0.1))).toBeLessThanOrEqual(5);
    const valPerClass = [0, 1, 2, 3, 4].map((c) => s.validation.filter((f) => f.classIndex === c).length);
    // 90→9, 95→9 or 10, 180→18, 40→4, 3→0; groups of 3 may shift a class by one.
    expect(valPerClass[0]).toBeGreaterThanOrEqual(8);
    expect(valPerClass[0]).toBeLessThanOrEqual(10);
    expect(valPerClass[2]).toBeGreaterThanOrEqual(17);
    expect(valPerClass[2]).toBeLessThanOrEqual(19);
    expect(valPerClass[3]).toBeGreaterThanOrEqual(3);
    expect(valPerClass[3]).toBeLessThanOrEqual(5);
  });

  it("keeps a group filed under two classes together, counted with its majority class", () => {
    const f = syntheticFiles([20, 20], 1000, 1).files;
    // Make file 3 (class 0) and 25 (class 1) the same photo.
    f[25] = { ...f[25]!, sha256: f[3]!.sha256 };
    const units = f.map((_, i) => (i === 25 ? 3 : i));
    for (let seed = 0; seed < 30; seed++) {
      const s = splitDataset(f, units, { seed, validationSplit: 0.5 });
      expect(s.validationIndices.includes(3)).toBe(s.validationIndices.includes(25));
    }
  });

  it("validationSplit 0 puts everything in training; out-of-range values are refused", () => {
    expect(splitDataset(files, unitOf, { validationSplit: 0 }).validation).toEqual([]);
    expect(() => splitDataset(files, unitOf, { validationSplit: 1 })).toThrow(/below 1/);
    expect(() => splitDataset(files, unitOf, { validationSplit: -0.1 })).toThrow(/at least 0/);
  });

  it("shuffles the training order (Keras shuffles the file list)", () => {
    const s = splitDataset(files, unitOf);
    const sorted = [...s.trainIndices].sort((x, y) => x - y);
    expect(s.trainIndices).not.toEqual(sorted);
  });
});

describe("naiveSplit and measureLeakage", () => {
  it("a duplicate-blind split leaks copies into validation, ours does not", () => {
    // Many copies, as in celeb17's Scarlett Johansson folder.
    const { files, unitOf } = syntheticFiles([200, 200], 4, 4);
    const naive = naiveSplit(files.length, 0.1, 123);
    expect(naive.validationIndices).toHaveLength(40);
    const leakNaive = measureLeakage(files, unitOf, naive.trainIndices, naive.validationIndices);
    expect(leakNaive.exactLeaks).toBeGreaterThan(0);
    const ours = splitDataset(files, unitOf, { seed: 123 });
    const leakOurs = measureLeakage(files, unitOf, ours.trainIndices, ours.validationIndices);
    expect(leakOurs.validationImages).toBeGreaterThanOrEqual(38);
    expect(leakOurs.exactLeaks).toBe(0);
    expect(leakOurs.groupLeaks).toBe(0);
  });
});

describe("datasetFingerprint", () => {
  const { files } = syntheticFiles([5, 5], 1000, 1);
  const names = ["a", "b"];

  it("is a hex sha256 independent of file order and names", () => {
    const fp = datasetFingerprint(names, files);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    const shuffled = [...files].sort(() => seededRandom(1)() - 0.5).reverse();
    expect(
      datasetFingerprint(
        names,
        shuffled.map((f) => ({ ...f, path: `/elsewhere${f.path}` })),
      ),
    ).toBe(fp);
  });

  it("changes when a label or a content changes", () => {
    const fp = datasetFingerprint(names, files);
    expect(datasetFingerprint(["a", "c"], files)).not.toBe(fp);
    const changed = files.map((f, i) => (i === 0 ? { ...f, sha256: "f".repeat(64) } : f));
    expect(datasetFingerprint(names, changed)).not.toBe(fp);
    expect(datasetFingerprint(names, files.slice(1))).not.toBe(fp);
  });
});
