import { applyNormalization, MarqueeError, type Normalization } from "@marquee/shared";
import { seededRandom } from "../util/random.ts";
import { mapWithConcurrency } from "./pool.ts";
import { shuffleBufferOrder } from "./shuffle-buffer.ts";
import type { DatasetFile } from "./types.ts";

/** Where batch pixels come from; {@link ImageCache} is one. */
export interface SampleSource {
  readonly width: number;
  readonly height: number;
  /** Values per sample (width × height × 3). */
  readonly sampleLength: number;
  /** Copy the sample's HWC pixels into `out` at `offset` (in values). */
  readInto(file: DatasetFile, out: Float32Array, offset: number): Promise<void>;
}

/** One batch: `size` images as NHWC float32 plus their class indices. */
export interface ImageBatch {
  /** size × height × width × 3 values; 0..255 unless a normalisation was given. */
  xs: Float32Array;
  /** Class index per image. */
  ys: Int32Array;
  size: number;
  height: number;
  width: number;
  /** The files in this batch, in order (for sample grids and debugging). */
  files: DatasetFile[];
}

/** Options for {@link BatchIterator}. */
export interface BatchOptions {
  /** Default 32. */
  batchSize?: number;
  /** Shuffle each epoch (training: yes; validation: no). Default true. */
  shuffle?: boolean;
  /** Shuffle buffer, as in `tf.data.shuffle`. Default 1000. */
  bufferSize?: number;
  /** Default 123. Epoch e uses the stream seeded by (seed, e), so a resumed run reshuffles identically. */
  seed?: number;
  /** Batches read ahead while the current one trains. Default 1. */
  prefetch?: number;
  /** Applied to each batch after reading; null (default) keeps 0..255 for models that rescale themselves. */
  normalization?: Normalization | null;
  /** Files read at once within a batch. Default 8. */
  readConcurrency?: number;
}

/**
 * Lazily read batches from a {@link SampleSource}: only the current batch and `prefetch`
 * batches ahead are in memory, so a 100k-photo folder trains in bounded memory.
 *
 * @example
 * const train = new BatchIterator(split.train, cache, { batchSize: 32, seed: 123 });
 * for (let epoch = 0; epoch < epochs; epoch++) {
 *   for await (const batch of train.epoch(epoch)) {
 *     const { xs, ys } = batchToTensors(batch, classNames.length);
 *     // ... model.trainOnBatch(xs, ys); dispose
 *   }
 * }
 */
export class BatchIterator {
  readonly batchSize: number;
  private readonly options: Required<Omit<BatchOptions, "normalization">> & {
    normalization: Normalization | null;
  };

  constructor(
    readonly files: readonly DatasetFile[],
    readonly source: SampleSource,
    options: BatchOptions = {},
  ) {
    this.options = {
      batchSize: options.batchSize ?? 32,
      shuffle: options.shuffle ?? true,
      bufferSize: options.bufferSize ?? 1000,
      seed: options.seed ?? 123,
      prefetch: Math.max(0, options.prefetch ?? 1),
      normalization: options.normalization ?? null,
      readConcurrency: options.readConcurrency ?? 8,
    };
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1) {
      throw new MarqueeError(
        "bad_request",
        `batch size must be a positive integer; got ${options.batchSize}.`,
      );
    }
    this.batchSize = this.options.batchSize;
  }

  /** Number of images per epoch. */
  get size(): number {
    return this.files.length;
  }

  /** Batches per epoch; the last may be smaller (Keras keeps the remainder too). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.files.length / this.batchSize);
  }

  /** The order files are visited in epoch `epoch` (indices into `files`). */
  order(epoch: number): number[] {
    const n = this.files.length;
    if (!this.options.shuffle) return Array.from({ length: n }, (_, i) => i);
    return shuffleBufferOrder(n, this.options.bufferSize, seededRandom(this.options.seed, epoch));
  }

  /**
   * The batches of one epoch, read lazily with `prefetch` batches in flight. `fromBatch`
   * skips the first batches without reading them (resuming mid-epoch yields exactly the
   * batches an uninterrupted epoch would have yielded from there).
   */
  async *epoch(epoch = 0, fromBatch = 0): AsyncGenerator<ImageBatch> {
    const order = this.order(epoch);
    const count = this.batchesPerEpoch;
    const pending: Promise<ImageBatch>[] = [];
    let next = Math.max(0, fromBatch);
    const launch = () => {
      if (next >= count) return;
      const start = next++ * this.batchSize;
      const p = this.readBatch(order.slice(start, start + this.batchSize));
      // Mark handled now; the error still surfaces when this batch is awaited.
      p.catch(() => {});
      pending.push(p);
    };
    for (let k = 0; k <= this.options.prefetch; k++) launch();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      yield batch;
      launch();
    }
  }

  /** Read the files at `indices` into one batch. */
  async readBatch(indices: readonly number[]): Promise<ImageBatch> {
    const { width, height, sampleLength } = this.source;
    const size = indices.length;
    const xs = new Float32Array(size * sampleLength);
    const ys = new Int32Array(size);
    const files = indices.map((i) => this.files[i]!);
    await mapWithConcurrency(files, this.options.readConcurrency, async (file, k) => {
      ys[k] = file.classIndex;
      try {
        await this.source.readInto(file, xs, k * sampleLength);
      } catch (err) {
        throw new MarqueeError(
          "corrupt_image",
          `Cannot read ${file.path} for training: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
    });
    if (this.options.normalization) applyNormalization(xs, this.options.normalization);
    return { xs, ys, size, height, width, files };
  }
}
