import { servingFacePolicy } from "@marquee/shared/face";
import { expect, it } from "vitest";
import { readConfig, workingPixelsFor } from "./config.ts";
import type { WorkerEnv } from "./env.ts";

const ASSETS = { fetch: async () => new Response(null, { status: 404 }) };

it("uses defaults for unset vars and reads set ones", () => {
  expect(readConfig({ ASSETS } as WorkerEnv)).toEqual({
    modelPath: "models/default",
    limits: { maxBytes: 10 * 1024 * 1024, maxMegapixels: 50, maxWholeDecodeMegapixels: 4 },
    workingPixels: 2_000_000,
    work: { maxActive: 1, maxQueued: 64, maxWaitMs: 15_000 },
    face: { maxFaces: 100 },
  });
  expect(
    readConfig({
      ASSETS,
      MODEL_PATH: "/models/x/",
      MAX_BYTES: "1000",
      MAX_MEGAPIXELS: "2.5",
      MAX_FACES: "3",
      WORKING_MEGAPIXELS: "1.5",
      MAX_CONCURRENT_PREDICTS: "1",
      PREDICT_QUEUE_LENGTH: "4",
      PREDICT_QUEUE_WAIT_MS: "500",
    }),
  ).toEqual({
    modelPath: "models/x",
    limits: { maxBytes: 1000, maxMegapixels: 2.5, maxWholeDecodeMegapixels: 4 },
    workingPixels: 1_500_000,
    work: { maxActive: 1, maxQueued: 4, maxWaitMs: 500 },
    face: { maxFaces: 3 },
  });
});

it("refuses nonsense vars instead of silently ignoring them", () => {
  expect(() => readConfig({ ASSETS, MAX_BYTES: "lots" })).toThrow(/MAX_BYTES/);
  expect(() => readConfig({ ASSETS, MAX_MEGAPIXELS: "-1" })).toThrow(/MAX_MEGAPIXELS/);
  expect(() => readConfig({ ASSETS, MODEL_PATH: "../secrets" })).toThrow(/MODEL_PATH/);
  expect(() => readConfig({ ASSETS, MAX_FACES: "0" })).toThrow(/MAX_FACES/);
  expect(() => readConfig({ ASSETS, MAX_FACES: "101" })).toThrow(
    /MAX_FACES must be a whole number from 1 to 100/,
  );
  expect(() => readConfig({ ASSETS, MAX_FACES: "2.5" })).toThrow(/MAX_FACES/);
});

it("accepts the same photos for every model kind, and decodes them to the model's working size", () => {
  const config = readConfig({ ASSETS, MAX_MEGAPIXELS: "50" } as WorkerEnv);
  expect(config.limits.maxMegapixels).toBe(50);
  const input = { width: 224, height: 224 };
  expect(workingPixelsFor(config, { pipeline: "face", input })).toBe(2_000_000);
  expect(workingPixelsFor(config, { pipeline: "image", input })).toBe(16 * 224 * 224);
  expect(workingPixelsFor(config, { pipeline: "image", input: { width: 512, height: 512 } })).toBe(2_000_000);
  expect(() => readConfig({ ASSETS, WORKING_MEGAPIXELS: "0" } as WorkerEnv)).toThrow(/WORKING_MEGAPIXELS/);
});

it("defaults the face count to shared's serving policy (what pnpm predict uses)", () => {
  const { face } = readConfig({ ASSETS } as WorkerEnv);
  expect(face.maxFaces).toBe(servingFacePolicy().maxFaces);
});
