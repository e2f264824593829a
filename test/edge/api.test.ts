// The worker's HTTP API, run from the wrangler-built bundle under plain Miniflare.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ErrorResponse, HealthResponse, PredictResponse } from "@marquee/shared/api";
import { FormData, type Response } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHAPE_LABELS, TRAINED_MODEL_NAME } from "../fixtures/make-trained-model.ts";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { pngHeaderClaiming, samplePhoto, samplePhotoAs } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
let photo: Uint8Array<ArrayBuffer>;
let metadataOnDisk: { version: string };

beforeAll(async () => {
  const build = await ensureWorkerBuild();
  worker = await startWorker(build);
  photo = await samplePhoto(1);
  metadataOnDisk = JSON.parse(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
});
afterAll(async () => {
  await worker?.dispose();
});

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  worker.fetch(path, { method: "POST", body: body as Uint8Array, headers });

async function expectError(response: Response, status: number, code: string): Promise<ErrorResponse> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = JSON.parse(text) as ErrorResponse;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  // No stack traces or internal paths leak out.
  expect(text).not.toMatch(/\bat \S+ \(|node_modules|\/work\/|\.ts\b|file:\/\//);
  return body;
}

function expectValidPredictions(body: PredictResponse, count: number): void {
  expect(body.predictions).toHaveLength(count);
  const scores = body.predictions.map((p) => p.score);
  expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  for (const p of body.predictions) {
    expect(SHAPE_LABELS).toContain(p.label);
    expect(p.score).toBeGreaterThanOrEqual(0);
    expect(p.score).toBeLessThanOrEqual(1);
  }
  expect(new Set(body.predictions.map((p) => p.label)).size).toBe(count);
}

describe("GET /health and /model", () => {
  it("reports the loaded model, the wasm backend with SIMD, tensors and wasm memory", async () => {
    const response = await worker.fetch("/health");
    expect(response.status).toBe(200);
    const body = (await response.json()) as HealthResponse;
    expect(body).toMatchObject({ ok: true, model: { loaded: true }, backend: "wasm", simd: true });
    expect(body.tensors).toBeGreaterThan(0);
    expect(body.wasmMemoryBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });

  it("serves metadata.json as validated, without weights", async () => {
    const build = await ensureWorkerBuild();
    const onDisk = JSON.parse(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
    const response = await worker.fetch("/model");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(onDisk);
    expect(text).not.toMatch(/weightsManifest|modelTopology/);
  });

  it("never serves the model files themselves", async () => {
    const build = await ensureWorkerBuild();
    // The files are in the assets (the worker reads them through ASSETS), just not public.
    const files = await readdir(join(build.assetsDir, "models", "default"));
    expect(files).toEqual(expect.arrayContaining(["model.json", "metadata.json", "group1-shard1of1.bin"]));
    for (const file of files) {
      await expectError(await worker.fetch(`/models/default/${file}`), 404, "not_found");
    }
  });
});

describe("POST /predict", () => {
  it("classifies raw JPEG bytes: sorted scores over all labels summing to 1", async () => {
    const response = await post("/predict", photo, { "content-type": "image/jpeg" });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await response.json()) as PredictResponse;
    // top_k defaults to 5, capped at the 3 labels, so every class is listed and the sum is 1.
    expectValidPredictions(body, SHAPE_LABELS.length);
    expect(body.predictions.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 6);
    expect(body.model).toEqual({
      name: TRAINED_MODEL_NAME,
      version: metadataOnDisk.version,
      pipeline: "image",
    });
    expect(body.image).toEqual({ width: 1920, height: 1280, format: "jpeg" });
    const t = body.timingsMs;
    for (const v of [t.decode, t.preprocess, t.inference, t.total]) expect(v).toBeGreaterThanOrEqual(0);
    expect(t.total).toBeGreaterThanOrEqual(t.decode);
  });

  it("ignores the Content-Type of a raw body and reads multipart field `image` the same way", async () => {
    const reference = (await (await post("/predict", photo)).json()) as PredictResponse;
    for (const type of ["application/octet-stream", "text/plain", "image/png"]) {
      const body = (await (
        await post("/predict", photo, { "content-type": type })
      ).json()) as PredictResponse;
      expect(body.predictions).toEqual(reference.predictions);
    }
    const form = new FormData();
    form.append("note", "hello");
    form.append("image", new File([photo], "sample1.jpg", { type: "image/jpeg" }));
    const response = await worker.fetch("/predict", { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(((await response.json()) as PredictResponse).predictions).toEqual(reference.predictions);
  });

  it("reads PNG, WebP and GIF", async () => {
    for (const format of ["png", "webp", "gif"] as const) {
      const response = await post("/predict", await samplePhotoAs(format));
      expect(response.status, format).toBe(200);
      const body = (await response.json()) as PredictResponse;
      expect(body.image).toEqual({ width: 320, height: 213, format });
      expectValidPredictions(body, SHAPE_LABELS.length);
    }
  });

  it("returns the top_k best, capped at the number of labels", async () => {
    const all = (await (await post("/predict", photo)).json()) as PredictResponse;
    const two = (await (await post("/predict?top_k=2", photo)).json()) as PredictResponse;
    expect(two.predictions).toEqual(all.predictions.slice(0, 2));
    const many = (await (await post("/predict?top_k=100", photo)).json()) as PredictResponse;
    expect(many.predictions).toEqual(all.predictions);
  });

  it("refuses a bad top_k with 400 bad_request", async () => {
    for (const value of ["0", "-1", "abc", "1.5", "", "1e3"]) {
      await expectError(await post(`/predict?top_k=${value}`, photo), 400, "bad_request");
    }
  });
});

describe("errors", () => {
  it("400 empty_body for an empty body", async () => {
    await expectError(await post("/predict", new Uint8Array(0)), 400, "empty_body");
  });

  it("415 unsupported_media_type for a non-image", async () => {
    await expectError(
      await post("/predict", new TextEncoder().encode("hello, world")),
      415,
      "unsupported_media_type",
    );
  });

  it("422 corrupt_image for a truncated JPEG", async () => {
    await expectError(await post("/predict", photo.slice(0, 2000)), 422, "corrupt_image");
  });

  it("413 image_too_large for a body over MAX_BYTES, declared or streamed", async () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(photo);
    await expectError(await post("/predict", big), 413, "image_too_large");
    // No Content-Length: the worker has to count the stream.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 11; i++) controller.enqueue(new Uint8Array(1024 * 1024));
        controller.close();
      },
    });
    const response = await worker.fetch("/predict", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as never);
    await expectError(response, 413, "image_too_large");
  });

  it("413 image_too_large for a tiny PNG claiming 20000×20000, in well under a second", async () => {
    const started = performance.now();
    await expectError(await post("/predict", pngHeaderClaiming(20000, 20000)), 413, "image_too_large");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("400 bad_request for multipart without `image`, with several, with text, or malformed", async () => {
    const none = new FormData();
    none.append("file", new File([photo], "a.jpg"));
    await expectError(await worker.fetch("/predict", { method: "POST", body: none }), 400, "bad_request");
    const several = new FormData();
    several.append("image", new File([photo], "a.jpg"));
    several.append("image", new File([photo], "b.jpg"));
    await expectError(await worker.fetch("/predict", { method: "POST", body: several }), 400, "bad_request");
    const text = new FormData();
    text.append("image", "not a file");
    await expectError(await worker.fetch("/predict", { method: "POST", body: text }), 400, "bad_request");
    const malformed = await post("/predict", new TextEncoder().encode("--x\r\nnot really\r\n"), {
      "content-type": "multipart/form-data; boundary=zzz",
    });
    await expectError(malformed, 400, "bad_request");
  });

  it("405 with Allow for wrong methods, 404 for unknown paths", async () => {
    const wrong = await worker.fetch("/predict");
    expect(wrong.headers.get("allow")).toContain("POST");
    await expectError(wrong, 405, "method_not_allowed");
    await expectError(await worker.fetch("/health", { method: "DELETE" }), 405, "method_not_allowed");
    await expectError(await worker.fetch("/model", { method: "PUT", body: "x" }), 405, "method_not_allowed");
    await expectError(await worker.fetch("/nope"), 404, "not_found");
  });

  it("answers CORS preflight on /predict and puts CORS on its errors", async () => {
    const preflight = await worker.fetch("/predict", {
      method: "OPTIONS",
      headers: {
        origin: "https://example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    const error = await post("/predict", new Uint8Array(0), { origin: "https://example.com" });
    expect(error.headers.get("access-control-allow-origin")).toBe("*");
    await error.text();
  });

  it("still answers a good photo identically after bad input", async () => {
    const before = (await (await post("/predict", photo)).json()) as PredictResponse;
    await (await post("/predict", photo.slice(0, 5000))).text();
    await (await post("/predict", pngHeaderClaiming(50000, 50000))).text();
    await (await post("/predict", new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3]))).text();
    const after = (await (await post("/predict", photo)).json()) as PredictResponse;
    expect(after.predictions).toEqual(before.predictions);
  });
});

describe("resources", () => {
  it("does not grow the tensor count or the wasm heap across 100 requests", async () => {
    const small = await samplePhotoAs("jpeg", 400);
    await (await post("/predict", small)).text();
    const before = (await (await worker.fetch("/health")).json()) as HealthResponse;
    for (let i = 0; i < 100; i++) {
      const bad = i % 10 === 9;
      const response = await post("/predict", bad ? small.slice(0, 300) : small);
      expect(response.status).toBe(bad ? 422 : 200);
      await response.arrayBuffer();
    }
    const after = (await (await worker.fetch("/health")).json()) as HealthResponse;
    expect(after.tensors).toBe(before.tensors);
    expect(after.wasmMemoryBytes).toBe(before.wasmMemoryBytes);
  });
});
