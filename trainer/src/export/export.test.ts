import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoverDir } from "../util/durable-fs.ts";
import { exportModel } from "./export-model.ts";
import { classifyPixels, loadExportedModel } from "./load-model.ts";
import { float32ToFloat16Bits } from "./quantize.ts";
import { smallTestModel, testMetadata } from "./test-support.ts";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "marquee-export-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function randomImages(n: number, size = 12): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 3], 0, 255, "float32", 42) as tf.Tensor4D;
}

async function predictions(model: tf.LayersModel, x: tf.Tensor4D): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

describe("exportModel + loadExportedModel", () => {
  it("round-trips float32 weights: identical predictions and metadata", async () => {
    const model = smallTestModel();
    const dir = join(root, "f32");
    const result = await exportModel(model, { dir, metadata: testMetadata("f32") });
    expect((await readdir(dir)).sort()).toEqual(["group1-shard1of1.bin", "metadata.json", "model.json"]);
    const loaded = await loadExportedModel(dir);
    expect(loaded.metadata.weights).toEqual({ dtype: "float32", bytes: result.weightBytes });
    expect(result.weightBytes).toBe(model.countParams() * 4);
    const x = randomImages(4);
    expect(await predictions(loaded.model, x)).toEqual(await predictions(model, x));
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    const scores = await classifyPixels(loaded, x.slice(0, 1).dataSync() as Float32Array);
    expect(scores.map((s) => s.label).sort()).toEqual(["ann", "bob", "cat"]);
    expect(scores.reduce((a, s) => a + s.probability, 0)).toBeCloseTo(1, 5);
    expect(scores[0]!.probability).toBeGreaterThanOrEqual(scores[1]!.probability);
    x.dispose();
    model.dispose();
    loaded.model.dispose();
  });

  it("splits weights into shards that load back identically", async () => {
    const model = smallTestModel();
    const dir = join(root, "sharded");
    const result = await exportModel(model, { dir, metadata: testMetadata("sharded"), shardBytes: 1000 });
    expect(result.files.filter((f) => f.endsWith(".bin")).length).toBe(Math.ceil(result.weightBytes / 1000));
    const loaded = await loadExportedModel(dir);
    const x = randomImages(2);
    expect(await predictions(loaded.model, x)).toEqual(await predictions(model, x));
    x.dispose();
    model.dispose();
    loaded.model.dispose();
  });

  it.each([
    ["float16", 2, 1e-2],
    ["uint8", 1, 0.15],
  ] as const)(
    "exports %s-quantised weights that tfjs dequantises on load",
    async (dtype, bytesPerValue, tolerance) => {
      const model = smallTestModel();
      const dir = join(root, dtype);
      const result = await exportModel(model, { dir, metadata: testMetadata(dtype), weightDtype: dtype });
      expect(result.weightBytes).toBe(model.countParams() * bytesPerValue);
      const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
      expect(json.weightsManifest[0].weights[0].quantization.dtype).toBe(dtype);
      const loaded = await loadExportedModel(dir);
      expect(loaded.metadata.weights.dtype).toBe(dtype);
      const original = model.getWeights();
      loaded.model.getWeights().forEach((w, i) => {
        const a = original[i]!.dataSync();
        const b = w.dataSync();
        let maxErr = 0;
        let maxAbs = 0;
        for (let k = 0; k < a.length; k++) {
          maxErr = Math.max(maxErr, Math.abs(a[k]! - b[k]!));
          maxAbs = Math.max(maxAbs, Math.abs(a[k]!));
        }
        // float16: relative precision 2^-11; uint8: half a step of range/255.
        expect(maxErr).toBeLessThanOrEqual(
          dtype === "float16" ? maxAbs / 1024 : (2 * maxAbs) / 255 / 2 + 1e-7,
        );
        if (dtype === "float16" && maxAbs > 0) expect(maxErr).toBeGreaterThan(0);
      });
      const x = randomImages(4);
      const p = await predictions(loaded.model, x);
      const q = await predictions(model, x);
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i]! - q[i]!)).toBeLessThan(tolerance);
      x.dispose();
      model.dispose();
      loaded.model.dispose();
    },
  );

  it("converts float32 to float16 bits with round-to-nearest", () => {
    // IEEE half → number, written independently of the encoder.
    const decode = (bits: Uint16Array) =>
      Array.from(bits, (h) => {
        const sign = h & 0x8000 ? -1 : 1;
        const exp = (h >> 10) & 0x1f;
        const mant = h & 0x3ff;
        if (exp === 0) return sign * mant * 2 ** -24;
        if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
        return sign * (1 + mant / 1024) * 2 ** (exp - 15);
      });
    const values = [0, -0, 1, -2.5, 65504, 1e-5, 6.1e-5, 3.140625, 70000, 1 / 3];
    const bits = Uint16Array.from(values.map(float32ToFloat16Bits));
    const back = decode(bits);
    expect(back[0]).toBe(0);
    expect(back[2]).toBe(1);
    expect(back[3]).toBe(-2.5);
    expect(back[4]).toBe(65504);
    expect(back[8]).toBe(Number.POSITIVE_INFINITY);
    expect(back[7]).toBe(3.140625); // exactly representable
    expect(back[9]).toBeCloseTo(0.333251953125, 9);
    expect(Math.abs(back[5]! - 1e-5)).toBeLessThan(6e-8); // subnormal
  });
});

describe("export atomicity", () => {
  it("keeps the previous export intact when a new one fails mid-write, and leaves no temporary folder", async () => {
    const model = smallTestModel();
    const dir = join(root, "atomic");
    await exportModel(model, { dir, metadata: testMetadata("good") });
    const goodJson = await readFile(join(dir, "model.json"));
    const other = smallTestModel(2);
    await expect(
      exportModel(other, {
        dir,
        metadata: testMetadata("broken"),
        beforeCommit: async (tmp) => {
          expect((await readdir(tmp)).length).toBe(3); // the new files were written...
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    expect((await loadExportedModel(dir)).metadata.name).toBe("good"); // ...but never renamed in
    expect(await readFile(join(dir, "model.json"))).toEqual(goodJson);
    expect((await readdir(root)).filter((e) => e.includes("atomic"))).toEqual(["atomic"]);

    // Invalid metadata is refused before anything is written.
    const bad = { ...testMetadata("bad"), labels: ["only-one"] };
    await expect(exportModel(other, { dir, metadata: bad })).rejects.toThrow(/labels/);
    expect((await loadExportedModel(dir)).metadata.name).toBe("good");
    model.dispose();
    other.dispose();
  });

  it("recovers the previous export after a crash between the two renames", async () => {
    const model = smallTestModel();
    const dir = join(root, "between");
    await exportModel(model, { dir, metadata: testMetadata("old") });
    await rename(dir, join(root, ".between.old-1-2-3")); // state right after the first rename
    await recoverDir(dir);
    expect((await loadExportedModel(dir)).metadata.name).toBe("old");
    await exportModel(model, { dir, metadata: testMetadata("new") });
    expect((await loadExportedModel(dir)).metadata.name).toBe("new");
    expect((await readdir(root)).filter((e) => e.includes("between"))).toEqual(["between"]);
    model.dispose();
  });

  it("never leaves a half-written export when the exporting process is SIGKILLed", async () => {
    const child = fileURLToPath(new URL("./export-kill.test-child.ts", import.meta.url));
    const dir = join(root, "killed");
    for (const delayMs of [5, 40, 90]) {
      const proc = spawn(process.execPath, ["--import", "tsx", child, dir], {
        cwd: dirname(child),
        stdio: ["ignore", "pipe", "ignore"],
      });
      await new Promise<void>((resolve, reject) => {
        proc.stdout.once("data", () => resolve());
        proc.once("exit", (code) => reject(new Error(`export child exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      proc.kill("SIGKILL");
      await new Promise((r) => proc.once("exit", r));
      // Whatever instant it died at: if the folder exists it is complete and loads.
      const entries = await readdir(root);
      if (entries.includes("killed")) {
        const loaded = await loadExportedModel(dir);
        expect(loaded.metadata.name).toMatch(/^run-\d+$/);
        loaded.model.dispose();
      } else {
        expect(entries.some((e) => e.startsWith(".killed.old-"))).toBe(true);
      }
      await recoverDir(dir);
      const loaded = await loadExportedModel(dir);
      loaded.model.dispose();
      expect((await readdir(root)).filter((e) => e.includes("killed"))).toEqual(["killed"]);
    }
  });
});
