import { seededPermutation } from "../util/random.ts";

/** One batch: `xs` is N×H×W×3 HWC pixels in 0..255 (float32), `ys` the N class indices. */
export interface TrainingBatch {
  xs: Float32Array;
  ys: Int32Array;
  /**
   * Shape of one example in `xs` when it is not an imageSize² RGB image, e.g. `[128]` for the
   * face head's embeddings. Default `[imageSize, imageSize, 3]`.
   */
  shape?: readonly number[];
}

/** What the training loop needs from the data side. */
export interface TrainingData {
  /** Class names, index = label. */
  labels: string[];
  /** Square input side of every image in `xs`. */
  imageSize: number;
  trainSize: number;
  validationSize: number;
  /**
   * The training batches of `epoch`, starting with batch number `fromBatch` (for resuming mid-epoch).
   * The order must be a pure function of the seed and `epoch` (never of wall time or earlier calls),
   * so a resumed run sees exactly the batches an uninterrupted one would.
   */
  trainBatches(request: {
    epoch: number;
    batchSize: number;
    fromBatch: number;
  }): AsyncIterable<TrainingBatch>;
  /** The validation set in a fixed order. */
  validationBatches(request: { batchSize: number }): AsyncIterable<TrainingBatch>;
}

/** Number of batches in one pass over `size` items. */
export function batchCount(size: number, batchSize: number): number {
  return Math.ceil(size / batchSize);
}

/** In-memory examples, mainly for tests and small experiments. */
export interface InMemoryExamples {
  /** One HWC 0..255 image per example, each imageSize²·3 long. */
  images: Float32Array[];
  labels: number[];
}

/**
 * A {@link TrainingData} over arrays in memory, shuffled per epoch by `(seed, epoch)`.
 *
 * @example
 * const data = inMemoryTrainingData({ labels: ["a", "b"], imageSize: 8, seed: 1, train, validation });
 */
export function inMemoryTrainingData(config: {
  labels: string[];
  imageSize: number;
  seed: number;
  train: InMemoryExamples;
  validation: InMemoryExamples;
}): TrainingData {
  const { train, validation } = config;
  const pixels = config.imageSize * config.imageSize * 3;
  const toBatch = (set: InMemoryExamples, indices: number[]): TrainingBatch => {
    const xs = new Float32Array(indices.length * pixels);
    const ys = new Int32Array(indices.length);
    indices.forEach((idx, k) => {
      xs.set(set.images[idx]!, k * pixels);
      ys[k] = set.labels[idx]!;
    });
    return { xs, ys };
  };
  return {
    labels: config.labels,
    imageSize: config.imageSize,
    trainSize: train.images.length,
    validationSize: validation.images.length,
    async *trainBatches({ epoch, batchSize, fromBatch }) {
      const order = seededPermutation(train.images.length, (config.seed * 1_000_003 + epoch) >>> 0);
      for (let b = fromBatch; b * batchSize < order.length; b++) {
        yield toBatch(train, order.slice(b * batchSize, (b + 1) * batchSize));
      }
    },
    async *validationBatches({ batchSize }) {
      for (let start = 0; start < validation.images.length; start += batchSize) {
        const end = Math.min(start + batchSize, validation.images.length);
        yield toBatch(
          validation,
          Array.from({ length: end - start }, (_, i) => start + i),
        );
      }
    },
  };
}
