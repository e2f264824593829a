import type { ModelMetadata } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";

/** A small conv model with random weights, for export tests. */
export function smallTestModel(seed = 1, size = 12, classes = 3): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  const model = tf.sequential();
  model.add(tf.layers.rescaling({ name: "rescaling", scale: 1 / 255, inputShape: [size, size, 3] }));
  model.add(
    tf.layers.conv2d({
      name: "conv2d",
      filters: 8,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: init(1),
    }),
  );
  model.add(tf.layers.averagePooling2d({ name: "pool", poolSize: 2 }));
  model.add(tf.layers.dropout({ name: "dropout", rate: 0.5 }));
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({ name: "dense", units: 32, activation: "relu", kernelInitializer: init(2) }));
  model.add(tf.layers.dense({ name: "dense_1", units: classes, kernelInitializer: init(3) }));
  return model;
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
