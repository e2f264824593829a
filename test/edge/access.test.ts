// Access control and the page: the MARQUEE_API_KEY secret guards /predict; the page is served
// from the assets with security headers while the model files stay private.

import type { ErrorResponse, HealthResponse } from "@marquee/shared/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoAs } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

const KEY = "s3cret-key-for-tests-7f9a";
let worker: RunningWorker;
let photo: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  const build = await ensureWorkerBuild();
  worker = await startWorker({ ...build, vars: { MARQUEE_API_KEY: KEY } });
  photo = await samplePhotoAs("jpeg", 200);
});
afterAll(async () => {
  await worker?.dispose();
});

describe("MARQUEE_API_KEY", () => {
  it("401 unauthorized without the key or with a wrong one, and never echoes the key", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${KEY}x`, `Basic ${KEY}`, KEY]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const response = await worker.fetch("/predict", { method: "POST", body: photo, headers });
      const text = await response.text();
      expect(response.status, String(authorization)).toBe(401);
      expect((JSON.parse(text) as ErrorResponse).error.code).toBe("unauthorized");
      expect(text).not.toContain(KEY);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
    }
  });

  it("accepts the right key; preflight, /health and /model stay open", async () => {
    const ok = await worker.fetch("/predict", {
      method: "POST",
      body: photo,
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).not.toContain(KEY);
    const preflight = await worker.fetch("/predict", {
      method: "OPTIONS",
      headers: { origin: "https://a.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers") ?? "").toMatch(/authorization/i);
    expect((await worker.fetch("/health")).status).toBe(200);
    expect((await worker.fetch("/model")).status).toBe(200);
  });
});

describe("the page and private model files", () => {
  it("serves / as HTML with a strict CSP and security headers", async () => {
    const response = await worker.fetch("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    await response.text();
  });

  it("never serves the model folder, however the path is spelled", async () => {
    for (const path of [
      "/models/default/model.json",
      "/models/default/group1-shard1of1.bin",
      "/%6Dodels/default/group1-shard1of1.bin",
      "/MODELS/default/metadata.json",
      "//models/default/model.json",
      "/x/../models/default/model.json",
    ]) {
      const response = await worker.fetch(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toMatch(/not_found/);
    }
  });

  it("/health reports the upload limits for clients", async () => {
    const body = (await (await worker.fetch("/health")).json()) as HealthResponse;
    expect(body.limits).toEqual({ maxBytes: 10 * 1024 * 1024, maxMegapixels: 50 });
  });
});
