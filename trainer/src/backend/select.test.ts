import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isMarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "./select.ts";

/** Whether a tfjs-node flavour has its native binding here (it has not on the project's machines). */
function hasBinding(pkg: string): boolean {
  try {
    const lib = join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), "lib");
    return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, "tfjs_binding.node")));
  } catch {
    return false;
  }
}

const nodeAvailable = hasBinding("@tensorflow/tfjs-node-gpu") || hasBinding("@tensorflow/tfjs-node");

describe("selectBackend", () => {
  it.skipIf(nodeAvailable)(
    "auto falls back to wasm and says why, without half-loading tfjs-node",
    async () => {
      const lines: string[] = [];
      const choice = await selectBackend("auto", (m) => lines.push(m));
      expect(choice.name).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(choice.reason).toMatch(
        /^node-gpu unavailable: .+ → node unavailable: .+ → using wasm \(SIMD, 1 thread\)$/,
      );
      expect(lines).toEqual([`backend: ${choice.reason}`]);
      // A failed tfjs-node import would have registered its "tensorflow" kernels.
      expect(tf.getKernel("Conv2D", "tensorflow")).toBeUndefined();
    },
  );

  it.skipIf(nodeAvailable).each(["node-gpu", "node"] as const)(
    "explicit %s fails with a clear error",
    async (which) => {
      const err = await selectBackend(which).catch((e: unknown) => e);
      expect(isMarqueeError(err, "bad_request")).toBe(true);
      expect((err as Error).message).toContain(`--backend ${which} is unavailable`);
      expect((err as Error).message).toContain("libtensorflow");
    },
  );

  it("wasm registers the training kernels; cpu is always available", async () => {
    const wasm = await selectBackend("wasm");
    expect(wasm).toMatchObject({ name: "wasm" });
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    const cpu = await selectBackend("cpu");
    expect(cpu.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });
});
