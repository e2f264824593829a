// A missing, corrupt or schema-invalid model (a broken copy of the trainer's export) answers 503 with the reason, then recovers once the
// files are fixed, in the same isolate and without a restart.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ErrorResponse, HealthResponse } from "@marquee/shared/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWorkerBuild, type WorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoAs } from "../helpers/images.ts";
import { startWorker } from "../helpers/start-worker.ts";

let build: WorkerBuild;
let photo: Uint8Array<ArrayBuffer>;
const scratch: string[] = [];
// The trainer's export writes its weights as 4 MiB shards; the fixture model fits in one.
const SHARD = "group1-shard1of1.bin";

beforeAll(async () => {
  build = await ensureWorkerBuild();
  photo = await samplePhotoAs("jpeg", 200);
});
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

interface Fault {
  name: string;
  file: string;
  /** Returns the broken content, or null to delete the file. */
  breakIt(original: Buffer): string | Buffer | null;
  code: "invalid_metadata" | "model_unavailable";
  message: RegExp;
}

const FAULTS: Fault[] = [
  {
    name: "metadata.json fails the schema",
    file: "metadata.json",
    breakIt: (m) => JSON.stringify({ ...JSON.parse(String(m)), labels: ["only-one"] }),
    code: "invalid_metadata",
    message: /labels/,
  },
  {
    name: "metadata.json is not JSON",
    file: "metadata.json",
    breakIt: () => "{oops",
    code: "invalid_metadata",
    message: /JSON/,
  },
  {
    name: "metadata.json is missing",
    file: "metadata.json",
    breakIt: () => null,
    code: "model_unavailable",
    message: /metadata\.json is missing/,
  },
  {
    name: "metadata.json disagrees with the model",
    file: "metadata.json",
    breakIt: (m) => {
      // Schema-valid on its own (per-class metrics follow the labels), wrong for the weights.
      const metadata = JSON.parse(String(m));
      const labels = ["a", "b", "c", "d", "e"];
      const perClassAccuracy = Object.fromEntries(labels.map((l) => [l, 0]));
      return JSON.stringify({ ...metadata, labels, metrics: { ...metadata.metrics, perClassAccuracy } });
    },
    code: "invalid_metadata",
    message: /5 labels but the model outputs/,
  },
  {
    name: "model.json is corrupt",
    file: "model.json",
    breakIt: () => "not json",
    code: "model_unavailable",
    message: /model\.json is not valid JSON/,
  },
  {
    name: "weights are missing",
    file: SHARD,
    breakIt: () => null,
    code: "model_unavailable",
    message: /group1-shard1of1\.bin is missing/,
  },
  {
    name: "weights are truncated",
    file: SHARD,
    breakIt: (w) => w.subarray(0, 100),
    code: "model_unavailable",
    message: /bytes/,
  },
];

describe("a bad model gives 503 with the reason, then recovers", () => {
  for (const fault of FAULTS) {
    it(fault.name, async () => {
      const assets = await mkdtemp(join(tmpdir(), "marquee-assets-"));
      scratch.push(assets);
      await cp(build.assetsDir, assets, { recursive: true });
      const path = join(assets, "models", "default", fault.file);
      const original = await readFile(path);
      const broken = fault.breakIt(original);
      if (broken === null) await rm(path);
      else await writeFile(path, broken);

      const worker = await startWorker({ ...build, assetsDir: assets });
      try {
        const health = await worker.fetch("/health");
        expect(health.status).toBe(503);
        const healthBody = (await health.json()) as HealthResponse;
        expect(healthBody.ok).toBe(false);
        expect(healthBody.model.loaded).toBe(false);
        expect(healthBody.model.error?.code).toBe(fault.code);
        expect(healthBody.model.error?.message).toMatch(fault.message);

        for (const [path, init] of [
          ["/predict", { method: "POST", body: photo }],
          ["/model", undefined],
        ] as const) {
          const response = await worker.fetch(path, init);
          expect(response.status, path).toBe(503);
          const body = (await response.json()) as ErrorResponse;
          expect(body.error.code).toBe(fault.code);
          expect(body.error.message).toMatch(fault.message);
          expect(body.error.message).not.toContain(assets);
        }

        await writeFile(path, original);
        // Miniflare lists the asset files once at start-up, so a file that was missing only
        // appears after a reload (on Cloudflare: the next deploy). Changed content needs none.
        if (broken === null) await worker.restart();
        const fixed = await worker.fetch("/health");
        expect(fixed.status).toBe(200);
        expect(((await fixed.json()) as HealthResponse).model).toEqual({ loaded: true });
        expect((await worker.fetch("/predict", { method: "POST", body: photo })).status).toBe(200);
      } finally {
        await worker.dispose();
      }
    });
  }
});
