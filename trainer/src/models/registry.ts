import { MarqueeError } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs";
import { buildSeedCnn, type ModelBuildOptions, SEED_CNN_MIN_IMAGE_SIZE } from "./seed-cnn.ts";
import { buildVgg16 } from "./vgg16.ts";

/** An architecture the trainer can build. */
export interface ModelDefinition {
  /** What the last layer emits; decides the loss (`fromLogits`) and metadata's `output`. */
  output: "logits" | "probabilities";
  description: string;
  /** Smallest square input side the architecture can shrink to a feature vector. */
  minImageSize: number;
  build(options: ModelBuildOptions): tf.Sequential;
}

/** Every architecture by its `--model` name. */
export const MODEL_REGISTRY = {
  "seed-cnn": {
    output: "logits",
    description:
      "the tutorial's small CNN (Rescaling, 4 conv + avg-pool, dropout 0.5, Dense 128, Dense N logits)",
    minImageSize: SEED_CNN_MIN_IMAGE_SIZE,
    build: buildSeedCnn,
  },
  vgg16: {
    output: "probabilities",
    description: "VGG-16 from scratch (13 conv + Dense 4096/4096/N softmax), random init",
    // Five 2×2 max-pools with stride 2: 32 px is the smallest input that leaves one pixel.
    minImageSize: 32,
    build: buildVgg16,
  },
} as const satisfies Record<string, ModelDefinition>;

/** A `--model` name. */
export type ModelName = keyof typeof MODEL_REGISTRY;

/** The names `buildArchitecture` accepts, in display order. */
export const MODEL_NAMES = Object.keys(MODEL_REGISTRY) as ModelName[];

/** Whether `name` is a known architecture. */
export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODEL_REGISTRY, name);
}

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

export type { ModelBuildOptions };
