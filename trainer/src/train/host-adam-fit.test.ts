import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { initWasmBackend } from "../backend/index.ts";
import { setMicroBatchSize } from "./micro-batch.ts";
import { toyFitRun } from "./test-support.ts";

// The fit loop on wasm, where Adam keeps its moments in JS memory: a run killed mid-epoch and resumed
// from its checkpoint must still end with the uninterrupted run's weights, bit for bit.

let root = "";
beforeAll(async () => {
  await initWasmBackend();
  root = await mkdtemp(join(tmpdir(), "marquee-host-adam-fit-"));
});
afterEach(() => setMicroBatchSize("auto"));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await tf.setBackend("cpu");
});

for (const micro of ["auto", 3] as const) {
  describe(`fit on wasm with host Adam (micro-batch ${micro})`, () => {
    it("resumes bit-exactly after a crash mid-epoch", async () => {
      setMicroBatchSize(micro);
      const straight = await toyFitRun(join(root, `straight-${micro}`), { epochs: 2, resume: false });
      const dir = join(root, `crash-${micro}`);
      await expect(
        toyFitRun(dir, {
          epochs: 2,
          resume: false,
          onStep: (epoch, batch) => {
            if (epoch === 1 && batch === 4) throw new Error("simulated kill");
          },
        }),
      ).rejects.toThrow("simulated kill");
      const resumed = await toyFitRun(dir, { epochs: 2, resume: true });
      expect(resumed.weights).toEqual(straight.weights);
      expect(resumed.history.val_accuracy).toEqual(straight.history.val_accuracy);
      expect(straight.history.loss[1]!).toBeLessThan(straight.history.loss[0]!);
    });
  });
}
