import * as tf from "@tensorflow/tfjs";
import type { InMemoryExamples } from "./data-source.ts";

/** Side of the toy images used by the trainer's tests. */
export const TOY_IMAGE = 10;

/** Class c images: a bright block whose position depends on c, on seeded noise. */
export function toyExamples(
  count: number,
  classes: number,
  seed: number,
  size = TOY_IMAGE,
): InMemoryExamples {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    const img = new Float32Array(size * size * 3);
    for (let p = 0; p < img.length; p++) img[p] = rand() * 60;
    const x0 = c * 3;
    for (let y = 3; y < 7; y++) {
      for (let x = x0; x < x0 + 3; x++) for (let ch = 0; ch < 3; ch++) img[(y * size + x) * 3 + ch] = 250;
    }
    images.push(img);
    labels.push(c);
  }
  return { images, labels };
}

/**
 * A seed-cnn in miniature (rescaling, conv, pool, dropout, dense logits): the cpu backend's filter
 * gradient is far too slow for the real one in a unit test, and the loop does not care about the architecture.
 */
export function tinyModel(classes = 3, size = TOY_IMAGE): tf.Sequential {
  return miniConvModel({ size, classes, filters: 4, seedBase: 0 });
}

/**
 * The layer stack behind {@link tinyModel} and the export tests' `smallTestModel`: rescaling, a 3×3
 * relu conv of `filters`, 2×2 average pool, dropout 0.5, an optional relu dense layer of `hidden`
 * units, then dense logits; layer `i`'s kernel is Glorot-uniform with seed `seedBase + i`.
 *
 * @example
 * const model = miniConvModel({ size: 12, classes: 3, filters: 8, hidden: 32, seedBase: 10 });
 */
export function miniConvModel(o: {
  size: number;
  classes: number;
  filters: number;
  hidden?: number;
  seedBase: number;
}): tf.Sequential {
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: o.seedBase + layer });
  const model = tf.sequential();
  model.add(tf.layers.rescaling({ name: "rescaling", scale: 1 / 255, inputShape: [o.size, o.size, 3] }));
  model.add(
    tf.layers.conv2d({
      name: "conv2d",
      filters: o.filters,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: init(1),
    }),
  );
  model.add(tf.layers.averagePooling2d({ name: "pool", poolSize: 2 }));
  model.add(tf.layers.dropout({ name: "dropout", rate: 0.5 }));
  model.add(tf.layers.flatten({ name: "flatten" }));
  if (o.hidden === undefined) {
    model.add(tf.layers.dense({ name: "dense", units: o.classes, kernelInitializer: init(2) }));
  } else {
    model.add(
      tf.layers.dense({ name: "dense", units: o.hidden, activation: "relu", kernelInitializer: init(2) }),
    );
    model.add(tf.layers.dense({ name: "dense_1", units: o.classes, kernelInitializer: init(3) }));
  }
  return model;
}

/**
 * One toy training run (tiny model, toy data, fixed seeds) through {@link fit}, for the resume tests.
 * `checkpointEverySeconds: 0.001` saves a resume checkpoint after nearly every step, so a SIGKILL lands
 * anywhere, including in the middle of writing one.
 */
export async function toyFitRun(
  dir: string,
  config: {
    epochs: number;
    resume: boolean;
    onStep?: (epoch: number, batch: number) => void;
    checkpointEverySeconds?: number;
  },
): Promise<{ weights: number[][]; history: import("./history.ts").History }> {
  const { fit } = await import("./fit.ts");
  const { inMemoryTrainingData } = await import("./data-source.ts");
  const { collectingReporter } = await import("./progress.ts");
  const data = inMemoryTrainingData({
    labels: ["a", "b", "c"],
    imageSize: TOY_IMAGE,
    seed: 5,
    train: toyExamples(40, 3, 1),
    validation: toyExamples(9, 3, 2),
  });
  const model = tinyModel();
  const result = await fit(
    {
      model,
      data,
      checkpointDir: dir,
      reporter: collectingReporter(),
      runConfig: { toy: 1 },
      resume: config.resume,
      afterStep: (s) => config.onStep?.(s.epoch, s.batchInEpoch),
    },
    {
      epochs: config.epochs,
      batchSize: 4,
      seed: 11,
      schedule: { initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.96, staircase: true },
      adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      fromLogits: true,
      checkpoint: { monitor: "val_accuracy", mode: "max" },
      earlyStopping: null,
      checkpointEverySeconds: config.checkpointEverySeconds ?? 0.001,
    },
  );
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return { weights, history: result.history };
}
