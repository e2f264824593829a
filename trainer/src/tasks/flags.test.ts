import { isMarqueeError } from "@marquee/shared";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { checkFlags, parseEvaluateArgs, parsePredictArgs, parseTrainArgs } from "./flags.ts";
import { DEFAULT_MODEL, TRAINABLE_MODELS, taskForMetadata, taskForModel } from "./registry.ts";

/** The train CLI's parse-and-check, exactly as cli/train.ts runs it before any work. */
function checkTrain(argv: string[]) {
  const parsed = parseTrainArgs(argv, {
    models: TRAINABLE_MODELS,
    defaultModel: DEFAULT_MODEL,
    silent: true,
  });
  const task = taskForModel(parsed.flags.model);
  checkFlags(parsed, { supported: task.trainFlags, task: task.pipeline });
  task.validateTrain?.(parsed.flags);
  return { parsed, task };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isMarqueeError(err) || err instanceof CommanderError).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("pnpm train flags", () => {
  it("keeps only the flags given, and picks the task by --model (default face)", () => {
    const { parsed, task } = checkTrain(["--data", "photos", "--epochs", "5", "--no-charts"]);
    expect(parsed.flags).toEqual({ data: "photos", epochs: 5, charts: false, model: "face" });
    expect(task.pipeline).toBe("face");
    expect(checkTrain(["--data", "photos", "--model", "seed-cnn"]).task.pipeline).toBe("image");
    expect(checkTrain(["--data", "photos", "--validation-data", "val"]).parsed.flags.validationData).toBe(
      "val",
    );
  });

  it.each([
    [["--epochs", "0"], "--epochs must be a positive integer (got 0)."],
    [["--batch-size", "0"], "--batch-size must be a positive integer (got 0)."],
    [["--validation-split", "1.5"], "--validation-split must be between 0 and 1 (got 1.5)."],
    [["--validation-split", "0"], "--validation-split must be between 0 and 1 (got 0)."],
    [["--learning-rate", "-1"], "--learning-rate must be above 0 (got -1)."],
    [["--dropout", "1"], "--dropout must be between 0 and 1 (got 1)."],
    [["--epochs", "2.5"], "--epochs must be a positive integer (got 2.5)."],
    [["--image-size", "7"], "--image-size must be at least 38 for --model seed-cnn (got 7)."],
    [
      ["--image-size", "31", "--model", "vgg16"],
      "--image-size must be at least 32 for --model vgg16 (got 31).",
    ],
  ])("rejects %j before any work, naming the flag", (argv, message) => {
    expect(messageOf(() => checkTrain(["--data", "d", "--model", "seed-cnn", ...argv]))).toBe(message);
  });

  it("rejects a non-number with the flag's name (commander)", () => {
    expect(messageOf(() => checkTrain(["--data", "d", "--epochs", "ten"]))).toContain(
      "--epochs must be a number (got ten)",
    );
  });

  it.each([
    ["--resume", []],
    ["--weights", ["uint8"]],
    ["--image-size", ["96"]],
    ["--summary", []],
  ])("rejects %s for face models instead of ignoring it", (flag, value) => {
    expect(messageOf(() => checkTrain(["--data", "d", "--model", "face", flag, ...value]))).toMatch(
      new RegExp(`^${flag} does not apply to face models`),
    );
  });

  it("rejects face-only flags for image models", () => {
    expect(messageOf(() => checkTrain(["--data", "d", "--model", "seed-cnn", "--strangers", "s"]))).toMatch(
      /^--strangers does not apply to image models/,
    );
  });

  it("takes --workers and --split for image models, and --workers (embedding threads) for face", () => {
    const image = ["--data", "d", "--model", "seed-cnn"];
    const { parsed } = checkTrain([...image, "--workers", "2", "--split", "random"]);
    expect(parsed.flags).toMatchObject({ workers: 2, split: "random" });
    expect(() => checkTrain([...image, "--workers", "2", "--backend", "wasm"])).not.toThrow();
    expect(() => checkTrain([...image, "--workers", "1", "--backend", "cpu"])).not.toThrow();
    expect(checkTrain(["--data", "d", "--model", "face", "--workers", "3"]).parsed.flags.workers).toBe(3);
  });

  it.each([
    [["--workers", "0"], "--workers must be a positive integer (got 0)."],
    [["--workers", "1.5"], "--workers must be a positive integer (got 1.5)."],
    [
      ["--workers", "2", "--backend", "cpu"],
      "--workers 2 needs the wasm backend (got --backend cpu); use --backend wasm or --workers 1.",
    ],
  ])("rejects %j before any work", (argv, message) => {
    expect(messageOf(() => checkTrain(["--data", "d", "--model", "seed-cnn", ...argv]))).toBe(message);
  });

  it("rejects an unknown --split, and --split for face models", () => {
    expect(messageOf(() => checkTrain(["--data", "d", "--split", "stratified"]))).toContain(
      "'stratified' is invalid",
    );
    expect(messageOf(() => checkTrain(["--data", "d", "--model", "face", "--split", "random"]))).toMatch(
      /^--split does not apply to face models/,
    );
  });

  it("accepts the smallest image size an architecture takes", () => {
    expect(() => checkTrain(["--data", "d", "--model", "vgg16", "--image-size", "32"])).not.toThrow();
  });

  it("requires --data unless --summary", () => {
    expect(messageOf(() => checkTrain([]))).toMatch(/^--data <dir> is required/);
    expect(messageOf(() => checkTrain(["--model", "face"]))).toMatch(/^--data <dir> is required/);
    expect(() => checkTrain(["--model", "seed-cnn", "--summary"])).not.toThrow();
    expect(messageOf(() => checkTrain(["--summary"]))).toMatch(/^--summary does not apply to face models/);
  });
});

describe("pnpm evaluate and predict flags", () => {
  const defaults = { defaultModelDir: "models/default", silent: true };

  it("rejects --batch-size 0 and --top 0 by name", () => {
    const ev = parseEvaluateArgs(["--data", "d", "--batch-size", "0"], defaults);
    expect(messageOf(() => checkFlags(ev))).toBe("--batch-size must be a positive integer (got 0).");
    const pr = parsePredictArgs(["a.jpg", "--top", "0"], defaults);
    expect(messageOf(() => checkFlags(pr))).toBe("--top must be a positive integer (got 0).");
    const k = parsePredictArgs(["a.jpg", "--top-k", "0"], defaults);
    expect(messageOf(() => checkFlags(k))).toBe("--top-k must be a positive integer (got 0).");
  });

  it("takes --top-k (the API's top_k) and its older spelling --top, but not both", () => {
    expect(parsePredictArgs(["a.jpg", "--top-k", "5"], defaults).flags.top).toBe(5);
    expect(parsePredictArgs(["a.jpg", "--top", "4"], defaults).flags.top).toBe(4);
    expect(parsePredictArgs(["a.jpg"], defaults).flags.top).toBe(3);
    expect(messageOf(() => parsePredictArgs(["a.jpg", "--top", "4", "--top-k", "2"], defaults))).toBe(
      "--top is another name for --top-k; give one of them.",
    );
  });

  it("rejects image-only evaluate flags for a face model", () => {
    const ev = parseEvaluateArgs(["--data", "d", "--charts", "out"], defaults);
    const task = taskForMetadata({ pipeline: "face" });
    expect(
      messageOf(() =>
        checkFlags(ev, { supported: task.evaluateFlags, always: ["modelDir", "data", "backend"] }),
      ),
    ).toMatch(/^--charts does not apply/);
    const image = taskForMetadata({ pipeline: "image" });
    expect(() =>
      checkFlags(ev, { supported: image.evaluateFlags, always: ["modelDir", "data", "backend"] }),
    ).not.toThrow();
  });

  it("names an unknown --model", () => {
    expect(messageOf(() => taskForModel("resnet"))).toBe(
      'Unknown --model "resnet"; choose one of: seed-cnn, vgg16, face.',
    );
  });
});
