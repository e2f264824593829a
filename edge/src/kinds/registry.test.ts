import { expect, it } from "vitest";
import { readConfig } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { buildServedModel, decodeLimitsFor } from "./registry.ts";

const ASSETS = { fetch: async () => new Response(null, { status: 404 }) } as unknown as WorkerEnv["ASSETS"];

it("gives face models the lower of the two megapixel caps", () => {
  const config = readConfig({ ASSETS, MAX_MEGAPIXELS: "4" });
  expect(decodeLimitsFor(config, "image").maxMegapixels).toBe(4);
  expect(decodeLimitsFor(config, "face").maxMegapixels).toBe(2);
  expect(decodeLimitsFor(readConfig({ ASSETS, MAX_MEGAPIXELS: "1" }), "face").maxMegapixels).toBe(1);
  expect(decodeLimitsFor(config, "face").maxBytes).toBe(config.limits.maxBytes);
});

it("refuses to build a face model without a source for the face weights", async () => {
  const files = { metadata: { pipeline: "face" }, artifacts: {} } as Parameters<typeof buildServedModel>[0];
  await expect(buildServedModel(files, undefined)).rejects.toMatchObject({
    code: "model_unavailable",
    message: expect.stringMatching(/face weights/),
  });
});
