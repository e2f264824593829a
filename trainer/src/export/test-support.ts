import type { ModelMetadata } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { miniConvModel } from "../train/test-support.ts";

/** A small conv model with random weights, for export tests. */
export function smallTestModel(seed = 1, size = 12, classes = 3): tf.Sequential {
  return miniConvModel({ size, classes, filters: 8, hidden: 32, seedBase: seed * 10 });
}

/** Metadata (minus `weights`) that passes the schema, for export tests. */
export function testMetadata(
  name: string,
  size = 12,
  labels = ["ann", "bob", "cat"],
): Omit<ModelMetadata, "weights"> {
  return {
    formatVersion: "1.0.0",
    name,
    version: "2026-01-01T00:00:00Z",
    createdAt: "2026-01-01T00:00:00Z",
    pipeline: "image",
    architecture: "test-cnn",
    labels,
    input: { width: size, height: size, channels: 3 },
    preprocessing: {
      resize: "bilinear",
      fit: "stretch",
      normalization: { kind: "scale", scale: 1, offset: 0 },
    },
    output: "logits",
    dataset: {
      fingerprint: "0".repeat(64),
      images: 30,
      classes: labels.length,
      trainImages: 27,
      validationImages: 3,
      duplicateGroups: 0,
      validationSplit: 0.1,
      seed: 123,
    },
    training: {
      backend: "cpu",
      epochs: 1,
      bestEpoch: 1,
      batchSize: 8,
      optimizer: "adam",
      parameters: 0,
      seconds: 1,
    },
    metrics: {
      valAccuracy: 0.5,
      valLoss: 1,
      trainAccuracy: 0.5,
      perClassAccuracy: { ann: 1, bob: 0.5, cat: null },
    },
  };
}
