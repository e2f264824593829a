import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../util/random.ts";
import { kerasNamer } from "./layer-names.ts";
import type { ModelBuildOptions } from "./seed-cnn.ts";

/** VGG-16's convolution blocks: filters per block, convolutions per block. */
const VGG16_BLOCKS: ReadonlyArray<readonly [filters: number, convs: number]> = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

/**
 * VGG-16 from scratch: 13 same-padded 3×3 ReLU convolutions in five max-pooled blocks, then Dense 4096,
 * Dense 4096 and a softmax Dense N. Randomly initialised; a Rescaling 1/255 layer in front so it takes the
 * same 0..255 pixels as the seed CNN. The output is probabilities, not logits.
 *
 * @example
 * const model = buildVgg16({ numClasses: 17, imageSize: 224 }); // 134,330,193 parameters
 */
export function buildVgg16(options: ModelBuildOptions): tf.Sequential {
  const { numClasses, imageSize, seed = 0, dropout = 0 } = options;
  let layerNo = 0;
  const name = kerasNamer();
  const kernel = () => tf.initializers.glorotUniform({ seed: deriveSeed(seed, "init", layerNo++) });

  const model = tf.sequential({ name: "vgg16" });
  model.add(
    tf.layers.rescaling({ name: "rescaling", scale: 1 / 255, inputShape: [imageSize, imageSize, 3] }),
  );
  VGG16_BLOCKS.forEach(([filters, convs], block) => {
    for (let i = 0; i < convs; i++) {
      model.add(
        tf.layers.conv2d({
          name: `block${block + 1}_conv${i + 1}`,
          filters,
          kernelSize: 3,
          padding: "same",
          activation: "relu",
          kernelInitializer: kernel(),
        }),
      );
    }
    model.add(tf.layers.maxPooling2d({ name: `block${block + 1}_pool`, poolSize: 2, strides: 2 }));
  });
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({ name: "fc1", units: 4096, activation: "relu", kernelInitializer: kernel() }));
  if (dropout > 0) model.add(tf.layers.dropout({ name: name("dropout"), rate: dropout }));
  model.add(tf.layers.dense({ name: "fc2", units: 4096, activation: "relu", kernelInitializer: kernel() }));
  if (dropout > 0) model.add(tf.layers.dropout({ name: name("dropout"), rate: dropout }));
  model.add(
    tf.layers.dense({
      name: "predictions",
      units: numClasses,
      activation: "softmax",
      kernelInitializer: kernel(),
    }),
  );
  return model;
}
