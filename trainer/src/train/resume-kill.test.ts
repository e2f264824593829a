import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyFitRun } from "./test-support.ts";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "marquee-kill-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const child = fileURLToPath(new URL("./resume-kill.test-child.ts", import.meta.url));

/** Run the child until it has printed `killAfter` step lines, then SIGKILL it. */
function runAndKill(dir: string, epochs: number, killAfter: number, resume: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ["--import", "tsx", child, dir, String(epochs), resume ? "resume" : "fresh"],
      {
        cwd: dirname(child),
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    let steps = 0;
    let buffered = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("step ") && ++steps === killAfter) proc.kill("SIGKILL");
      }
    });
    proc.once("error", reject);
    proc.once("exit", (_code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`child ended without being killed after ${steps} steps`));
      else resolve(steps);
    });
  });
}

describe("SIGKILL mid-epoch, then --resume", () => {
  it("gives bit-identical weights and metrics to an uninterrupted run", async () => {
    const epochs = 3; // 10 steps per epoch
    const straight = await toyFitRun(join(root, "straight"), {
      epochs,
      resume: false,
      checkpointEverySeconds: 0,
    });

    const dir = join(root, "killed");
    // Killed in epoch 1 (step 4), then again in epoch 2 after resuming; checkpoints land after almost
    // every step, so some kills hit a checkpoint being written.
    await runAndKill(dir, epochs, 4, false);
    await runAndKill(dir, epochs, 13, true);
    const resumed = await toyFitRun(dir, { epochs, resume: true });

    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.history.loss).toEqual(straight.history.loss);
    expect(resumed.history.accuracy).toEqual(straight.history.accuracy);
    expect(resumed.history.val_loss).toEqual(straight.history.val_loss);
    expect(resumed.history.val_accuracy).toEqual(straight.history.val_accuracy);
  });
});
