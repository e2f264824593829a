import { MarqueeError, type ModelMetadata } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type ReleaseReport, releasePackedWeights, watchWeights } from "../tf/release-packed-weights.ts";
import { loadLayersModelLean } from "./load-layers-model.ts";
import type { ModelFiles } from "./read-model-files.ts";

/** An image-pipeline model ready to classify, with the metadata it was validated against. */
export interface LoadedImageModel {
  kind: "image";
  model: tfl.LayersModel;
  metadata: ModelMetadata;
  /** Weights whose original copy was freed after XNNPACK packed its own (see release-packed-weights.ts). */
  released: ReleaseReport;
}

/**
 * Turn read model files into a tfjs LayersModel, check that its input and output shapes agree
 * with metadata.json, and run one warm-up prediction so the first request pays no kernel set-up.
 */
export async function buildModel(files: ModelFiles): Promise<LoadedImageModel> {
  let model: tfl.LayersModel;
  try {
    model = await loadLayersModelLean(files.artifacts);
  } catch (err) {
    throw new MarqueeError("model_unavailable", `model.json could not be loaded: ${(err as Error).message}`);
  }
  try {
    checkShapes(model, files.metadata);
    const weights = model.weights.map((w) => w.read());
    watchWeights(weights, { eager: true });
    tf.tidy(() => {
      const { width, height, channels } = files.metadata.input;
      (model.predict(tf.zeros([1, height, width, channels])) as tf.Tensor).dataSync();
    });
    const released = releasePackedWeights(weights);
    return { kind: "image", model, metadata: files.metadata, released };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function checkShapes(model: tfl.LayersModel, metadata: ModelMetadata): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new MarqueeError("invalid_metadata", "the model must have exactly one input and one output");
  }
  const inShape = model.inputs[0]?.shape ?? [];
  const { width, height, channels } = metadata.input;
  if (inShape.length !== 4 || inShape[1] !== height || inShape[2] !== width || inShape[3] !== channels) {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json says input ${height}×${width}×${channels} but the model takes [${inShape.join(", ")}]`,
    );
  }
  const outShape = model.outputs[0]?.shape ?? [];
  if (outShape.length !== 2 || outShape[1] !== metadata.labels.length) {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json lists ${metadata.labels.length} labels but the model outputs [${outShape.join(", ")}]`,
    );
  }
}
