import { servingFacePolicy } from "@marquee/shared/face";
import { expect, it } from "vitest";
import { readConfig } from "./config.ts";
import type { WorkerEnv } from "./env.ts";

const ASSETS = { fetch: async () => new Response(null, { status: 404 }) };

it("uses defaults for unset vars and reads set ones", () => {
  expect(readConfig({ ASSETS } as WorkerEnv)).toEqual({
    modelPath: "models/default",
    limits: { maxBytes: 10 * 1024 * 1024, maxMegapixels: 40 },
    face: { maxFaces: 100, maxMegapixels: 2 },
  });
  expect(
    readConfig({
      ASSETS,
      MODEL_PATH: "/models/x/",
      MAX_BYTES: "1000",
      MAX_MEGAPIXELS: "2.5",
      MAX_FACES: "3",
      FACE_MAX_MEGAPIXELS: "1.5",
    }),
  ).toEqual({
    modelPath: "models/x",
    limits: { maxBytes: 1000, maxMegapixels: 2.5 },
    face: { maxFaces: 3, maxMegapixels: 1.5 },
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

it("defaults the face count to shared's serving policy (what pnpm predict uses)", () => {
  const { face } = readConfig({ ASSETS } as WorkerEnv);
  expect(face.maxFaces).toBe(servingFacePolicy().maxFaces);
});
