import { describe, expect, it } from "vitest";
import { closingLines, quietEpochReporter } from "./run-summary.ts";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY, columns: 40, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream,
  };
}

function runEpochs(reporter: ReturnType<typeof quietEpochReporter>, n: number) {
  for (let epoch = 0; epoch < n; epoch++) {
    reporter.epochBegin({ epoch, epochs: n, steps: 3, fromStep: 0 });
    for (let step = 1; step <= 3; step++) reporter.stepEnd({ step, steps: 3, loss: 0.5, accuracy: 0.5 });
    reporter.epochEnd(`Epoch ${epoch + 1}/${n} - loss: 0.5000 - val_loss: 0.4000`);
  }
  reporter.message("Early stopping");
}

describe("quietEpochReporter", () => {
  it("prints nothing per epoch off a terminal (100 epochs, no lines)", () => {
    const { writes, stream } = fakeStream(false);
    const reporter = quietEpochReporter(stream);
    runEpochs(reporter, 100);
    reporter.clear();
    expect(writes).toEqual([]);
  });

  it("keeps one status line on a terminal, no wider than it, erased by clear()", () => {
    const { writes, stream } = fakeStream(true);
    const reporter = quietEpochReporter(stream);
    runEpochs(reporter, 3);
    expect(writes).toHaveLength(3);
    expect(writes.every((w) => w.startsWith("\r\x1b[K") && !w.includes("\n"))).toBe(true);
    expect(writes[2]!.length).toBeLessThanOrEqual(40 - 1 + 6);
    reporter.clear();
    expect(writes.at(-1)).toBe("\r\x1b[K");
    reporter.clear();
    expect(writes).toHaveLength(4);
  });
});

describe("closingLines", () => {
  it("puts the result first, then warnings, the model and the commands to serve and predict", () => {
    const lines = closingLines({
      result: "Done.",
      evaluation: {
        count: 9,
        accuracy: 1,
        confusion: [
          [5, 0],
          [0, 4],
        ],
      },
      labels: ["a", "b"],
      modelDir: `${process.cwd()}/runs/x-face/model`,
      name: "x",
    });
    expect(lines[0]).toBe("Done.");
    expect(lines[1]).toMatch(/^warning: Only 9 validation photos/);
    expect(lines).toContain('Model "x": runs/x-face/model');
    expect(lines.some((l) => l.includes("pnpm start --model runs/x-face/model"))).toBe(true);
    expect(lines.some((l) => l.includes("pnpm predict --model-dir runs/x-face/model photo.jpg"))).toBe(true);
  });
});
