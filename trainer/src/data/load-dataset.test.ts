import { join } from "node:path";
import { modelMetadataSchema } from "@marquee/shared";
import { describe, expect, it } from "vitest";
import { loadImageDataset } from "./load-dataset.ts";
import { makeImage, put, reencode, tempDir } from "./test-support.ts";
import type { DataLog } from "./types.ts";

describe("loadImageDataset end to end", () => {
  it("scans, caches, groups duplicates, splits without leaks and reports", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const data = join(dir, "data");
      // 3 classes × 12 distinct images, plus copies: byte-identical within a class, a near
      // copy (re-encoded and resized), one photo filed under two classes, and bad files.
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 12; i++)
          await put(data, `class${c}/${i}.jpg`, await makeImage(c * 100 + i, { width: 120, height: 100 }));
      }
      const dup = await makeImage(0, { width: 120, height: 100 });
      for (let k = 0; k < 4; k++) await put(data, `class0/copy${k}.jpg`, dup);
      await put(
        data,
        "class1/near.jpg",
        await reencode(await makeImage(105, { width: 120, height: 100 }), { quality: 55, scale: 0.8 }),
      );
      await put(data, "class2/stolen.jpg", await makeImage(101, { width: 120, height: 100 }));
      await put(data, "class2/broken.jpg", Buffer.from([0xff, 0xd8, 0xff, 0x00]));
      await put(data, "class2/zero.jpg", Buffer.alloc(0));

      const lines: string[] = [];
      const log: DataLog = { info: (l) => lines.push(l), warn: (l) => lines.push(`warn: ${l}`) };
      const load = (seed: number) =>
        loadImageDataset(data, {
          imageSize: 16,
          seed,
          validationSplit: 0.25,
          cacheDir: join(dir, "cache"),
          log,
          progress: false,
        });
      const ds = await load(123);

      expect(ds.classNames).toEqual(["class0", "class1", "class2"]);
      expect(ds.files).toHaveLength(36 + 4 + 1 + 1);
      expect(ds.skipped.map((s) => s.path.split("/").pop()).sort()).toEqual(["broken.jpg", "zero.jpg"]);
      // Groups: image 0 + 4 copies (exact), 105 + near copy, 101 in class1 and class2 (cross-class).
      expect(ds.duplicates.groups).toHaveLength(3);
      expect(ds.duplicates.exactGroups).toBe(2);
      expect(ds.duplicates.nearGroups).toBe(1);
      expect(ds.duplicates.crossClassGroups).toHaveLength(1);
      expect(
        lines.some((l) => l.startsWith("warn: the same photo is filed under 2 classes (class1 / class2)")),
      ).toBe(true);
      expect(ds.leakage.ours).toMatchObject({ exactLeaks: 0, groupLeaks: 0 });
      for (const g of ds.duplicates.groups) {
        const sides = new Set(g.members.map((m) => ds.split.validationIndices.includes(m)));
        expect(sides.size).toBe(1);
      }
      expect(ds.split.train.length + ds.split.validation.length).toBe(ds.files.length);
      expect(ds.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(lines.join("\n")).toContain("Found 42 images belonging to 3 classes");

      const meta = ds.metadata();
      expect(modelMetadataSchema.shape.dataset.parse(meta)).toEqual(meta);
      expect(meta).toMatchObject({
        images: 42,
        classes: 3,
        duplicateGroups: 3,
        validationSplit: 0.25,
        seed: 123,
      });

      // Same data and seed → same split and fingerprint; all from the cache this time.
      const again = await load(123);
      expect(again.decodeSeconds).toBeLessThan(ds.decodeSeconds + 1);
      expect(again.split.validationIndices).toEqual(ds.split.validationIndices);
      expect(again.fingerprint).toBe(ds.fingerprint);
      expect((await load(5)).split.validationIndices).not.toEqual(ds.split.validationIndices);

      let seen = 0;
      for await (const b of ds.trainBatches({ batchSize: 8 }).epoch(0)) seen += b.size;
      expect(seen).toBe(ds.split.train.length);
    } finally {
      await cleanup();
    }
  });
});

describe("loadImageDataset with a validation folder (--validation-data)", () => {
  it("trains on every training file, validates on the folder's, by class name, and flags copies", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const train = join(dir, "train");
      const val = join(dir, "val");
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < 6; i++) await put(train, `c${c}/${i}.jpg`, await makeImage(c * 100 + i));
      // val has only class c1 (a subset is fine), and one photo copied from training.
      for (let i = 0; i < 3; i++) await put(val, `c1/v${i}.jpg`, await makeImage(500 + i));
      await put(val, "c1/copy.jpg", await makeImage(101));
      const lines: string[] = [];
      const log: DataLog = { info: (l) => lines.push(l), warn: (l) => lines.push(`warn: ${l}`) };
      const ds = await loadImageDataset(train, {
        imageSize: 16,
        validationDir: val,
        cacheDir: join(dir, "cache"),
        log,
        progress: false,
      });
      expect(ds.classNames).toEqual(["c0", "c1"]);
      expect(ds.split.train).toHaveLength(12);
      expect(ds.split.validation.map((f) => f.path.split("/").pop()).sort()).toEqual([
        "copy.jpg",
        "v0.jpg",
        "v1.jpg",
        "v2.jpg",
      ]);
      expect(ds.split.validation.every((f) => f.classIndex === 1)).toBe(true);
      expect(ds.split.train.every((f) => f.path.startsWith(train))).toBe(true);
      expect(lines.some((l) => l.startsWith(`Using 12 files for training and the 4 in ${val}`))).toBe(true);
      expect(lines).toContainEqual(expect.stringMatching(/^warn: 1 of the 4 validation photos has a copy/));
      expect(ds.metadata().validationImages).toBe(4);

      await put(val, "stranger/x.jpg", await makeImage(900));
      await expect(
        loadImageDataset(train, {
          imageSize: 16,
          validationDir: val,
          cacheDir: join(dir, "cache"),
          log,
          progress: false,
        }),
      ).rejects.toThrow(/--validation-data .* has class folders that --data does not: stranger/);
    } finally {
      await cleanup();
    }
  });
});
