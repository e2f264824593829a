import { ARTIFACT_FORMAT_VERSION, isMarqueeError } from "@marquee/shared";
import { describe, expect, it } from "vitest";
import { readModelFiles } from "./read-model-files.ts";

const metadata = {
  formatVersion: ARTIFACT_FORMAT_VERSION,
  name: "m",
  version: "1",
  createdAt: "2026-01-01T00:00:00Z",
  pipeline: "image",
  architecture: "tiny",
  labels: ["a", "b"],
  input: { width: 2, height: 2, channels: 3 },
  preprocessing: {
    resize: "bilinear",
    fit: "stretch",
    normalization: { kind: "scale", scale: 1 / 255, offset: 0 },
  },
  output: "logits",
  weights: { dtype: "float32", bytes: 8 },
  dataset: {
    fingerprint: "0".repeat(64),
    images: 0,
    classes: 2,
    trainImages: 0,
    validationImages: 0,
    duplicateGroups: 0,
    validationSplit: 0.1,
    seed: 1,
  },
  training: {
    backend: "cpu",
    epochs: 0,
    bestEpoch: 0,
    batchSize: 1,
    optimizer: "adam",
    parameters: 2,
    seconds: 0,
  },
  metrics: { valAccuracy: 0, valLoss: null, trainAccuracy: null, perClassAccuracy: {} },
};
const modelJson = (paths = ["w.bin"]) => ({
  modelTopology: { class_name: "Sequential" },
  weightsManifest: [{ paths, weights: [{ name: "k", shape: [2], dtype: "float32" }] }],
});

function fetcher(files: Record<string, string | Uint8Array>) {
  return async (path: string) => {
    const body = files[path];
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  };
}

async function failure(
  files: Record<string, string | Uint8Array>,
): Promise<{ code: string; message: string }> {
  try {
    await readModelFiles(fetcher(files));
  } catch (err) {
    if (isMarqueeError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected readModelFiles to fail");
}

describe("readModelFiles", () => {
  it("reads metadata, topology and the shards named by the manifest", async () => {
    const files = await readModelFiles(
      fetcher({
        "metadata.json": JSON.stringify(metadata),
        "model.json": JSON.stringify(modelJson()),
        "w.bin": new Uint8Array(8),
      }),
    );
    expect(files.metadata.labels).toEqual(["a", "b"]);
    expect(files.artifacts.weightSpecs).toHaveLength(1);
    expect((files.artifacts.weightData as ArrayBuffer[])[0]?.byteLength).toBe(8);
  });

  it("names what is wrong", async () => {
    const good = {
      "metadata.json": JSON.stringify(metadata),
      "model.json": JSON.stringify(modelJson()),
      "w.bin": new Uint8Array(8),
    };
    expect(await failure({ ...good, "metadata.json": "{}" })).toMatchObject({ code: "invalid_metadata" });
    expect(await failure({ ...good, "metadata.json": undefined as never })).toEqual({
      code: "model_unavailable",
      message: "metadata.json is missing",
    });
    expect(await failure({ ...good, "model.json": "[" })).toMatchObject({ code: "model_unavailable" });
    expect(await failure({ ...good, "w.bin": new Uint8Array(4) })).toMatchObject({
      code: "model_unavailable",
      message: expect.stringMatching(/4 bytes .* describes 8/),
    });
    expect(
      await failure({ ...good, "model.json": JSON.stringify(modelJson(["../../secret.bin"])) }),
    ).toMatchObject({
      code: "model_unavailable",
      message: expect.stringMatching(/unsafe weight path/),
    });
  });
});
