/** The trainer's training side: options, the fit loop, evaluation, and the end-to-end runTraining. */
export * from "./adam.ts";
export * from "./callbacks.ts";
export * from "./checkpoint.ts";
export * from "./data-source.ts";
export * from "./evaluate.ts";
export * from "./fit.ts";
export * from "./history.ts";
export * from "./image-dataset-adapter.ts";
export * from "./losses.ts";
export * from "./options.ts";
export * from "./progress.ts";
export * from "./run-training.ts";
export * from "./schedule.ts";
export * from "./step.ts";
