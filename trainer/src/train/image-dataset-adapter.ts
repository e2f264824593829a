import type { ImageDataset } from "../data/index.ts";
import type { Batch, TrainingData } from "./data-source.ts";

/**
 * Present the data helper's {@link ImageDataset} as the loop's {@link TrainingData}. Resuming mid-epoch
 * reads the epoch's order from the iterator and starts at `fromBatch` without reading earlier batches.
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
      const it = ds.trainBatches({ batchSize, seed });
      if (fromBatch === 0) return it.epoch(epoch);
      return (async function* (): AsyncGenerator<Batch> {
        const order = it.order(epoch);
        const slice = (b: number) => order.slice(b * batchSize, (b + 1) * batchSize);
        // Mark the read-ahead handled; its error still surfaces when awaited.
        const ahead = (b: number) => {
          const p = it.readBatch(slice(b));
          p.catch(() => {});
          return p;
        };
        let next = ahead(fromBatch);
        for (let b = fromBatch; b * batchSize < order.length; b++) {
          const current = await next;
          if ((b + 1) * batchSize < order.length) next = ahead(b + 1);
          yield current;
        }
      })();
    },
    validationBatches({ batchSize }) {
      return ds.validationBatches({ batchSize, seed, shuffle: false }).epoch(0);
    },
  };
}
