import type { ImageDataset } from "../data/index.ts";
import type { TrainingData } from "../train/data-source.ts";

/**
 * Present the data side's {@link ImageDataset} as the loop's {@link TrainingData}. Resuming mid-epoch
 * starts at `fromBatch` without reading the earlier batches (BatchIterator.epoch skips them).
 *
 * @example
 * const data = trainingDataFromImageDataset(await loadImageDataset(dir, { imageSize: 224, seed }), seed);
 */
export function trainingDataFromImageDataset(
  ds: ImageDataset,
  seed: number,
  imageSize: number,
): TrainingData {
  return {
    labels: ds.classNames,
    imageSize,
    trainSize: ds.split.train.length,
    validationSize: ds.split.validation.length,
    trainBatches({ epoch, batchSize, fromBatch }) {
      return ds.trainBatches({ batchSize, seed }).epoch(epoch, fromBatch);
    },
    validationBatches({ batchSize }) {
      return ds.validationBatches({ batchSize, seed, shuffle: false }).epoch(0);
    },
  };
}
