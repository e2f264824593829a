import { expect, it } from "vitest";
import { readConfig } from "./config.ts";
import type { WorkerEnv } from "./env.ts";

const ASSETS = { fetch: async () => new Response(null, { status: 404 }) };

it("uses defaults for unset vars and reads set ones", () => {
  expect(readConfig({ ASSETS } as WorkerEnv)).toEqual({
    modelPath: "models/default",
    limits: { maxBytes: 10 * 1024 * 1024, maxMegapixels: 40 },
  });
  expect(readConfig({ ASSETS, MODEL_PATH: "/models/x/", MAX_BYTES: "1000", MAX_MEGAPIXELS: "2.5" })).toEqual({
    modelPath: "models/x",
    limits: { maxBytes: 1000, maxMegapixels: 2.5 },
  });
});

it("refuses nonsense vars instead of silently ignoring them", () => {
  expect(() => readConfig({ ASSETS, MAX_BYTES: "lots" })).toThrow(/MAX_BYTES/);
  expect(() => readConfig({ ASSETS, MAX_MEGAPIXELS: "-1" })).toThrow(/MAX_MEGAPIXELS/);
  expect(() => readConfig({ ASSETS, MODEL_PATH: "../secrets" })).toThrow(/MODEL_PATH/);
});
