/**
 * @module
 * `@marquee/trainer`'s public API: train, evaluate and export image and face models from Node, as the
 * `pnpm train/evaluate/predict` CLIs do. Seeded randomness alone is `@marquee/trainer/random` (light:
 * no tfjs, no sharp); tiny models for tests are `@marquee/trainer/testing`.
 *
 * @example
 * import { loadImageDataset, resolveTrainingOptions, trainImageModel, trainingDataFromImageDataset } from "@marquee/trainer";
 */
export { type BackendRequest, selectBackend } from "./backend/index.ts";
export { loadImageDataset } from "./data/load-dataset.ts";
export { writeSampleGrid } from "./data/sample-grid.ts";
export { type DataLog, silentLog } from "./data/types.ts";
export { type LoadedExport, loadExportedModel, readExportMetadata } from "./export/load-model.ts";
export { trainingDataFromImageDataset } from "./image/image-dataset-adapter.ts";
export { DEFAULT_TRAINING_OPTIONS, resolveTrainingOptions, type TrainingOptions } from "./image/options.ts";
export {
  type ImageTrainingDeps,
  type ImageTrainingOutcome,
  trainImageModel,
} from "./image/train-image-model.ts";
export { summarizeDataset } from "./report/dataset-summary.ts";
export { REPORT_FILE, type TrainingReportInput, writeTrainingReport } from "./report/report-html.ts";
export { RUN_FILES } from "./run-folder/write-run-folder.ts";
export { TASKS, TRAINABLE_MODELS, taskForMetadata, taskForModel } from "./tasks/registry.ts";
export { collectingReporter, consoleReporter, type FitReporter } from "./train/progress.ts";
