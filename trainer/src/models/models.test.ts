import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MODEL_NAMES } from "./catalog.ts";
import { buildArchitecture, modelDefinition } from "./registry.ts";
import { countParams, summarize } from "./summary.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("model registry", () => {
  it("builds the tutorial CNN with exactly 9,536,945 parameters for 17 classes at 224×224", () => {
    const model = buildArchitecture("seed-cnn", { numClasses: 17, imageSize: 224 });
    expect(countParams(model)).toEqual({ total: 9_536_945, trainable: 9_536_945, nonTrainable: 0 });
    const types = model.layers.map((l) => l.getClassName());
    expect(types).toEqual([
      "Rescaling",
      "Conv2D",
      "AveragePooling2D",
      "Conv2D",
      "AveragePooling2D",
      "Dropout",
      "Conv2D",
      "AveragePooling2D",
      "Dropout",
      "Conv2D",
      "Dropout",
      "Flatten",
      "Dense",
      "Dense",
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 17]);
    model.dispose();
  });

  it("builds VGG-16 with exactly 134,330,193 parameters for 17 classes at 224×224", () => {
    const model = buildArchitecture("vgg16", { numClasses: 17, imageSize: 224 });
    expect(countParams(model).total).toBe(134_330_193);
    expect(model.layers.filter((l) => l.getClassName() === "Conv2D")).toHaveLength(13);
    expect(model.layers.filter((l) => l.getClassName() === "Dense")).toHaveLength(3);
    expect(modelDefinition("vgg16").output).toBe("probabilities");
    model.dispose();
  });

  it("gives the same initial weights for the same seed and different ones for another", () => {
    const weights = (seed: number) => {
      const m = buildArchitecture("seed-cnn", { numClasses: 3, imageSize: 40, seed });
      const values = Array.from(m.getWeights()[1]!.dataSync()).concat(
        Array.from(m.getWeights()[0]!.dataSync()),
      );
      m.dispose();
      return values;
    };
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it("rejects an unknown architecture by name", () => {
    expect(() => buildArchitecture("resnet", { numClasses: 2, imageSize: 32 })).toThrow(/seed-cnn, vgg16/);
    expect(MODEL_NAMES).toEqual(["seed-cnn", "vgg16"]);
  });
});

describe("summarize", () => {
  it("prints a Keras-style table with the totals", () => {
    const model = buildArchitecture("seed-cnn", { numClasses: 17, imageSize: 224 });
    const text = summarize(model);
    expect(text).toContain("Layer (type)");
    expect(text).toMatch(/conv2d \(Conv2D\)\s+\(None, 222, 222, 16\)\s+448/);
    expect(text).toMatch(/dense \(Dense\)\s+\(None, 128\)\s+9,437,312/);
    expect(text).toContain("Total params: 9,536,945");
    expect(text).toContain("Trainable params: 9,536,945");
    expect(text).toContain("Non-trainable params: 0");
    model.dispose();
  });
});

describe("seed-cnn input size", () => {
  it("refuses an image size too small for its four convolutions", () => {
    expect(() => buildArchitecture("seed-cnn", { numClasses: 2, imageSize: 32 })).toThrow(/at least 38/);
  });
});
