import { normalizeDescriptor } from "@marquee/shared/face";
import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch, TrainingData } from "../train/data-source.ts";
import { deriveSeed, seededPermutation } from "../util/random.ts";

/** Head architectures on the 128-d (unit-length) descriptor. */
export const FACE_HEAD_KINDS = ["imprinted", "linear", "mlp"] as const;
/**
 * One of {@link FACE_HEAD_KINDS}:
 * - `imprinted`: Dense N whose weights start as the class centroids (logit_k = s·(1 − ‖x − c_k‖²),
 *   "imprinted weights", Qi et al. 2018), then fine-tuned at a tenth of the learning rate;
 * - `linear`: Dense N from a random start (softmax regression);
 * - `mlp`: Dense 128 relu → Dropout 0.3 → Dense N.
 */
export type FaceHeadKind = (typeof FACE_HEAD_KINDS)[number];

/** Scale s of the imprinted start: softmax(s·(1 − d²)) is confident but not saturated at s = 16. */
export const IMPRINT_SCALE = 16;

/** An example for the head: a unit-length descriptor and its class. */
export interface HeadExample {
  descriptor: Float32Array;
  label: number;
}

/** Apply the head's layers to `input`; shared by the training model and the export model. */
function headLayers(
  input: tf.SymbolicTensor,
  kind: FaceHeadKind,
  numClasses: number,
  seed: number,
): tf.SymbolicTensor {
  const init = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, "init", name) });
  let x = input;
  if (kind === "mlp") {
    x = tf.layers
      .dense({ units: 128, activation: "relu", kernelInitializer: init("hidden"), name: "hidden" })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: 0.3, name: "dropout" }).apply(x) as tf.SymbolicTensor;
  }
  return tf.layers
    .dense({ units: numClasses, kernelInitializer: init("logits"), name: "logits" })
    .apply(x) as tf.SymbolicTensor;
}

/**
 * The trainable head: unit-length descriptor [128] → class logits [N]. `imprinted` needs the class
 * centroids (see {@link classCentroids}).
 *
 * @example
 * const head = buildFaceHead("linear", 17, 123);
 */
export function buildFaceHead(
  kind: FaceHeadKind,
  numClasses: number,
  seed: number,
  centroids?: readonly Float32Array[],
  size = 128,
): tf.LayersModel {
  const input = tf.input({ shape: [size], name: "descriptor" });
  const model = tf.model({
    inputs: input,
    outputs: headLayers(input, kind, numClasses, seed),
    name: `face_head_${kind}`,
  });
  if (kind === "imprinted") {
    if (!centroids || centroids.length !== numClasses)
      throw new Error("The imprinted face head needs one centroid per class.");
    const weights = centroidDenseWeights(centroids, IMPRINT_SCALE);
    model.getLayer("logits").setWeights(weights);
    tf.dispose(weights);
  }
  return model;
}

/** Dense weights computing s·(1 − ‖x − c_k‖²) for unit x: kernel 2s·c_k, bias −s·‖c_k‖². */
function centroidDenseWeights(centroids: readonly Float32Array[], scale: number): tf.Tensor[] {
  const size = centroids[0]!.length;
  const n = centroids.length;
  const kernel = new Float32Array(size * n);
  const bias = new Float32Array(n);
  centroids.forEach((c, k) => {
    let sq = 0;
    for (let i = 0; i < size; i++) {
      kernel[i * n + k] = 2 * scale * c[i]!;
      sq += c[i]! * c[i]!;
    }
    bias[k] = -scale * sq;
  });
  return [tf.tensor2d(kernel, [size, n]), tf.tensor1d(bias)];
}

/** Per-class mean of unit-length descriptors (not re-normalised). Classes without examples get zeros. */
export function classCentroids(
  examples: readonly HeadExample[],
  numClasses: number,
  size = 128,
): Float32Array[] {
  const sums = Array.from({ length: numClasses }, () => new Float64Array(size));
  const counts = new Array<number>(numClasses).fill(0);
  for (const e of examples) {
    const s = sums[e.label]!;
    for (let i = 0; i < size; i++) s[i]! += e.descriptor[i]!;
    counts[e.label]!++;
  }
  return sums.map((s, c) => Float32Array.from(s, (v) => (counts[c] ? v / counts[c]! : 0)));
}

/**
 * The export model: the trained head's logits [N] concatenated with centroid scores [N]
 * (`1 − ‖x − c_k‖²` for unit-length x, from a frozen Dense: kernel 2·c_k, bias −‖c_k‖²), so the
 * edge can apply a distance rule without anything but the model. See shared's `classifyFaceHead`.
 */
export function buildExportHead(
  head: tf.LayersModel,
  kind: FaceHeadKind,
  centroids: readonly Float32Array[],
  seed: number,
): tf.LayersModel {
  const size = centroids[0]!.length;
  const n = centroids.length;
  const input = tf.input({ shape: [size], name: "descriptor" });
  const logits = headLayers(input, kind, n, seed);
  const centroidLayer = tf.layers.dense({ units: n, name: "centroids", trainable: false });
  const scores = centroidLayer.apply(input) as tf.SymbolicTensor;
  const output = tf.layers.concatenate({ axis: -1, name: "head_and_centroids" }).apply([logits, scores]);
  const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor, name: `face_head_${kind}` });
  for (const layer of head.layers) {
    if (layer.getWeights().length === 0) continue;
    model.getLayer(layer.name).setWeights(layer.getWeights());
  }
  const weights = centroidDenseWeights(centroids, 1);
  centroidLayer.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** Unit-length copies of descriptors with their labels. */
export function headExamples(items: readonly { descriptor: Float32Array; label: number }[]): HeadExample[] {
  return items.map((e) => ({ descriptor: normalizeDescriptor(e.descriptor), label: e.label }));
}

/**
 * The fit loop's {@link TrainingData} over descriptors: batches of [N, 128] (TrainingBatch.shape), training
 * order shuffled per (seed, epoch) so a resumed run replays it.
 */
export function descriptorTrainingData(config: {
  labels: string[];
  seed: number;
  train: readonly HeadExample[];
  validation: readonly HeadExample[];
}): TrainingData {
  const size = config.train[0]?.descriptor.length ?? 128;
  const toBatch = (set: readonly HeadExample[], indices: number[]): TrainingBatch => {
    const xs = new Float32Array(indices.length * size);
    const ys = new Int32Array(indices.length);
    indices.forEach((idx, k) => {
      xs.set(set[idx]!.descriptor, k * size);
      ys[k] = set[idx]!.label;
    });
    return { xs, ys, shape: [size] };
  };
  return {
    labels: config.labels,
    imageSize: size,
    trainSize: config.train.length,
    validationSize: config.validation.length,
    async *trainBatches({ epoch, batchSize, fromBatch }) {
      const order = seededPermutation(config.train.length, deriveSeed(config.seed, "face-shuffle", epoch));
      for (let b = fromBatch; b * batchSize < order.length; b++)
        yield toBatch(config.train, order.slice(b * batchSize, (b + 1) * batchSize));
    },
    async *validationBatches({ batchSize }) {
      for (let start = 0; start < config.validation.length; start += batchSize) {
        const end = Math.min(start + batchSize, config.validation.length);
        yield toBatch(
          config.validation,
          Array.from({ length: end - start }, (_, i) => start + i),
        );
      }
    },
  };
}

/** Run a model on unit-length descriptors; returns one output row per example. */
export function predictRows(
  model: tf.LayersModel,
  examples: readonly { descriptor: Float32Array }[],
): Float32Array[] {
  if (examples.length === 0) return [];
  const size = examples[0]!.descriptor.length;
  const xs = new Float32Array(examples.length * size);
  examples.forEach((e, i) => {
    xs.set(e.descriptor, i * size);
  });
  const values = tf.tidy(() =>
    (model.predict(tf.tensor2d(xs, [examples.length, size])) as tf.Tensor).dataSync(),
  );
  const width = values.length / examples.length;
  return examples.map((_, i) => Float32Array.from(values.subarray(i * width, (i + 1) * width)));
}
