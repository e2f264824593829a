import { MarqueeError } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { isModelName, MODEL_CATALOG, MODEL_NAMES, type ModelDescription, type ModelName } from "./catalog.ts";
import { buildSeedCnn, type ModelBuildOptions } from "./seed-cnn.ts";
import { buildVgg16 } from "./vgg16.ts";

/** An architecture the trainer can build. */
export interface ModelDefinition extends ModelDescription {
  build(options: ModelBuildOptions): tf.Sequential;
}

/** Every architecture by its `--model` name, with its builder. */
export const MODEL_REGISTRY = {
  "seed-cnn": { ...MODEL_CATALOG["seed-cnn"], build: buildSeedCnn },
  vgg16: { ...MODEL_CATALOG.vgg16, build: buildVgg16 },
} as const satisfies Record<ModelName, ModelDefinition>;

/** The registry entry for `name`; throws `bad_request` listing the known names. */
export function modelDefinition(name: string): ModelDefinition {
  if (!isModelName(name)) {
    throw new MarqueeError(
      "bad_request",
      `Unknown model "${name}"; choose one of: ${MODEL_NAMES.join(", ")}.`,
    );
  }
  return MODEL_REGISTRY[name];
}

/**
 * Build a fresh, untrained model by registry name.
 *
 * @example
 * const model = buildArchitecture("seed-cnn", { numClasses: 17, imageSize: 224, seed: 123 });
 */
export function buildArchitecture(name: string, options: ModelBuildOptions): tf.Sequential {
  return modelDefinition(name).build(options);
}

export type { ModelBuildOptions, ModelName };
