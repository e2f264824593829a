import { expect, it } from "vitest";
import { readConfig } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { buildServedModel, decodeLimitsFor } from "./registry.ts";

const ASSETS = { fetch: async () => new Response(null, { status: 404 }) } as unknown as WorkerEnv["ASSETS"];

it("gives every kind the configured upload limits (photos are decoded to the working size)", () => {
  const config = readConfig({ ASSETS, MAX_MEGAPIXELS: "12" });
  expect(decodeLimitsFor(config, "image").maxMegapixels).toBe(12);
  expect(decodeLimitsFor(config, "face").maxMegapixels).toBe(12);
  expect(decodeLimitsFor(readConfig({ ASSETS }), "face").maxMegapixels).toBe(50);
  expect(decodeLimitsFor(config, "face").maxBytes).toBe(config.limits.maxBytes);
});

it("refuses to build a face model without a source for the face weights", async () => {
  const files = { metadata: { pipeline: "face" }, artifacts: {} } as Parameters<typeof buildServedModel>[0];
  await expect(buildServedModel(files, undefined)).rejects.toMatchObject({
    code: "model_unavailable",
    message: expect.stringMatching(/face weights/),
  });
});
