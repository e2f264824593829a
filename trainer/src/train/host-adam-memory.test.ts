import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initWasmBackend } from "../backend/index.ts";
import { ScheduledAdam } from "./adam.ts";
import type { TrainingBatch } from "./data-source.ts";
import { trainableVariables, trainStep } from "./step.ts";

// Its own test file so the wasm heap starts fresh (vitest runs each file in its own process) and its
// size, which never shrinks, measures this model alone.

const INPUT = 4096;
const CLASSES = 4;

describe("host Adam on the wasm heap", () => {
  it("trains a 16.8M-parameter model growing the heap by no more than gradients + packed weights", async () => {
    await initWasmBackend();
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [INPUT], units: INPUT, activation: "relu" }),
        tf.layers.dense({ units: CLASSES }),
      ],
    });
    const variables = trainableVariables(model);
    const weightBytes = variables.reduce((sum, v) => sum + v.size * 4, 0);
    const adam = new ScheduledAdam(variables, {
      initialLearningRate: 1e-5,
      decaySteps: 10,
      decayRate: 1,
      staircase: true,
    });
    expect(adam.stateLocation).toBe("host");
    const batch: TrainingBatch = {
      xs: Float32Array.from({ length: 8 * INPUT }, (_, i) => (i % 255) / 255),
      ys: Int32Array.from({ length: 8 }, (_, i) => i % CLASSES),
      shape: [INPUT],
    };
    const config = { imageSize: 0, numClasses: CLASSES, fromLogits: true };
    const before = heap();
    const first = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      losses.push((await trainStep(model, adam, variables, batch, config)).loss);
    }
    const growth = heap() - before;
    // Host Adam adds nothing: the step needs the gradients plus XNNPACK's packed copy of the weights
    // (released before the gradients are allocated), and emscripten grows the heap in steps of up to
    // 20%: measured 3.1× the weights (200 MiB for 64 MiB). Tensor-op Adam, its moments already
    // allocated, grew the heap by 13× the weights (827 MiB) in the same three steps.
    expect(growth).toBeLessThanOrEqual(3.5 * weightBytes);
    expect(tf.memory().numTensors).toBe(first);
    expect(losses[2]!).toBeLessThan(losses[0]!);
    adam.dispose();
    model.dispose();
  });
});
