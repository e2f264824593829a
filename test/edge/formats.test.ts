// Formats people have: AVIF (many sites serve it) is decoded in the worker by @jsquash/avif's wasm,
// imported as a module like the JPEG and WebP decoders; HEIC (iPhones) is refused with a 415 that
// says how to convert it.

import type { ErrorResponse, PredictResponse } from "@marquee/shared/api";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
beforeAll(async () => {
  worker = await startWorker(await ensureWorkerBuild());
});
afterAll(async () => {
  await worker?.dispose();
});

const post = (body: Uint8Array) => worker.fetch("/predict", { method: "POST", body });

it("classifies an AVIF photo (made by sharp) as it classifies the same photo as PNG", async () => {
  const photo = () => sharp(samplePhotoPath(1)).resize({ width: 320 });
  const avif = new Uint8Array(await photo().avif({ quality: 90 }).toBuffer());
  const png = new Uint8Array(await photo().png().toBuffer());
  const fromAvif = await post(avif);
  const text = await fromAvif.text();
  expect(fromAvif.status, text).toBe(200);
  const body = JSON.parse(text) as PredictResponse;
  expect(body.image.format).toBe("avif");
  const reference = (await (await post(png)).json()) as PredictResponse;
  expect([body.image.width, body.image.height]).toEqual([reference.image.width, reference.image.height]);
  // Lossy AVIF at quality 90: every label's score moves a little, none far.
  expect(body.predictions.length).toBe(reference.predictions.length);
  for (const p of reference.predictions) {
    const score = body.predictions.find((q) => q.label === p.label)?.score ?? -1;
    expect(Math.abs(score - p.score), p.label).toBeLessThan(0.1);
  }
});

it("415s a HEIC upload with the commands that convert it", async () => {
  const brands = "heic\0\0\0\0mif1heic";
  const heic = new Uint8Array([
    0,
    0,
    0,
    8 + brands.length,
    ...new TextEncoder().encode(`ftyp${brands}`),
    0,
    0,
    0,
    8,
  ]);
  const response = await post(heic);
  expect(response.status).toBe(415);
  const body = (await response.json()) as ErrorResponse;
  expect(body.error.code).toBe("unsupported_media_type");
  expect(body.error.message).toMatch(/HEIC\/HEIF is not supported/);
  expect(body.error.message).toContain("sips -s format jpeg");
  expect(body.error.message).toContain("heif-convert");
});
