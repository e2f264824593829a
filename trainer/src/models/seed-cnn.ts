import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../util/random.ts";
import { SEED_CNN_MIN_IMAGE_SIZE } from "./catalog.ts";
import { kerasNamer } from "./layer-names.ts";

/** Options every architecture in the registry accepts. */
export interface ModelBuildOptions {
  numClasses: number;
  /** Square input side in pixels. */
  imageSize: number;
  /** Seed for the weight initialisers; same seed, same initial weights. Default 0. */
  seed?: number;
  /** Dropout rate of the three Dropout layers (the tutorial's 0.5). */
  dropout?: number;
}

/**
 * The tutorial's CNN, layer for layer: Rescaling 1/255, four valid-padded 3×3 ReLU convolutions
 * (16, 32, 64, 128) with 2×2 average pooling and dropout, then Dense 128 ReLU and Dense N logits.
 * Input is HWC pixels in 0..255; the output is unnormalised logits.
 *
 * @example
 * const model = buildSeedCnn({ numClasses: 17, imageSize: 224 }); // 9,536,945 parameters
 */
export function buildSeedCnn(options: ModelBuildOptions): tf.Sequential {
  const { numClasses, imageSize, seed = 0, dropout = 0.5 } = options;
  if (imageSize < SEED_CNN_MIN_IMAGE_SIZE) {
    throw new MarqueeError(
      "bad_request",
      `The seed CNN needs an image size of at least ${SEED_CNN_MIN_IMAGE_SIZE} (four valid 3×3 convolutions and three 2×2 pools); got ${imageSize}.`,
    );
  }
  let layerNo = 0;
  const name = kerasNamer();
  const kernel = () => tf.initializers.glorotUniform({ seed: deriveSeed(seed, "init", layerNo++) });
  const conv = (filters: number) =>
    tf.layers.conv2d({
      name: name("conv2d"),
      filters,
      kernelSize: 3,
      padding: "valid",
      activation: "relu",
      kernelInitializer: kernel(),
    });
  const pool = () =>
    tf.layers.averagePooling2d({
      name: name("average_pooling2d"),
      poolSize: 2,
      strides: 2,
      padding: "valid",
    });
  const drop = () => tf.layers.dropout({ name: name("dropout"), rate: dropout });

  const model = tf.sequential({ name: "seed_cnn" });
  model.add(
    tf.layers.rescaling({ name: name("rescaling"), scale: 1 / 255, inputShape: [imageSize, imageSize, 3] }),
  );
  model.add(conv(16));
  model.add(pool());
  model.add(conv(32));
  model.add(pool());
  model.add(drop());
  model.add(conv(64));
  model.add(pool());
  model.add(drop());
  model.add(conv(128));
  model.add(drop());
  model.add(tf.layers.flatten({ name: name("flatten") }));
  model.add(
    tf.layers.dense({ name: name("dense"), units: 128, activation: "relu", kernelInitializer: kernel() }),
  );
  model.add(tf.layers.dense({ name: name("dense"), units: numClasses, kernelInitializer: kernel() }));
  return model;
}
