/**
 * @module
 * The architectures the trainer can build, described without building them (no tfjs loaded): names,
 * output kind and smallest input. `registry.ts` adds the builders.
 */

/** Smallest input side that leaves the seed CNN at least one pixel after its last convolution. */
export const SEED_CNN_MIN_IMAGE_SIZE = 38;

/** What an architecture is, before it is built. */
export interface ModelDescription {
  /** What the last layer emits; decides the loss (`fromLogits`) and metadata's `output`. */
  output: "logits" | "probabilities";
  description: string;
  /** Smallest square input side the architecture can shrink to a feature vector. */
  minImageSize: number;
}

/** Every architecture by its `--model` name. */
export const MODEL_CATALOG = {
  "seed-cnn": {
    output: "logits",
    description:
      "the tutorial's small CNN (Rescaling, 4 conv + avg-pool, dropout 0.5, Dense 128, Dense N logits)",
    minImageSize: SEED_CNN_MIN_IMAGE_SIZE,
  },
  vgg16: {
    output: "probabilities",
    description: "VGG-16 from scratch (13 conv + Dense 4096/4096/N softmax), random init",
    // Five 2×2 max-pools with stride 2: 32 px is the smallest input that leaves one pixel.
    minImageSize: 32,
  },
} as const satisfies Record<string, ModelDescription>;

/** A `--model` name of an image architecture. */
export type ModelName = keyof typeof MODEL_CATALOG;

/** The architecture names, in display order. */
export const MODEL_NAMES = Object.keys(MODEL_CATALOG) as ModelName[];

/** Whether `name` is a known architecture. */
export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODEL_CATALOG, name);
}
