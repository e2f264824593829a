/**
 * @module
 * The `image` task: a whole-image classifier (seed-cnn, vgg16) trained from pixels, as in the
 * tutorial. This descriptor (flags, checks; defaults in defaults.ts) loads nothing heavy; the work is image-runner.ts.
 */
import { MarqueeError } from "@marquee/shared";
import { MODEL_CATALOG, MODEL_NAMES, type ModelName } from "../models/catalog.ts";
import type { EvaluateFlags, TrainFlags } from "./flags.ts";
import type { TrainerTask } from "./task.ts";

/** The image task; see the module comment. */
export const imageTask: TrainerTask = {
  pipeline: "image",
  models: MODEL_NAMES,
  trainFlags: new Set<keyof TrainFlags>([
    "model",
    "data",
    "validationData",
    "out",
    "name",
    "epochs",
    "batchSize",
    "imageSize",
    "validationSplit",
    "seed",
    "learningRate",
    "decaySteps",
    "decayRate",
    "staircase",
    "dropout",
    "patience",
    "minDelta",
    "checkpointEvery",
    "weights",
    "fit",
    "backend",
    "cacheDir",
    "resume",
    "charts",
    "summary",
    "numClasses",
    "workers",
    "split",
  ]),
  evaluateFlags: new Set<keyof EvaluateFlags>(["batchSize", "charts", "cacheDir", "json"]),
  validateTrain(flags) {
    if (!flags.summary && !flags.data)
      throw new MarqueeError("bad_request", "--data <dir> is required (a folder of class folders).");
    const min = MODEL_CATALOG[flags.model as ModelName].minImageSize;
    if (flags.imageSize !== undefined && flags.imageSize < min) {
      throw new MarqueeError(
        "bad_request",
        `--image-size must be at least ${min} for --model ${flags.model} (got ${flags.imageSize}).`,
      );
    }
    // The pool replicates the model on wasm backends in worker threads; tfjs-node is multi-threaded
    // itself and cpu too slow to matter. "auto" may still land on another backend: then the run says so.
    if (
      flags.workers !== undefined &&
      flags.workers > 1 &&
      flags.backend &&
      !["auto", "wasm"].includes(flags.backend)
    ) {
      throw new MarqueeError(
        "bad_request",
        `--workers ${flags.workers} needs the wasm backend (got --backend ${flags.backend}); use --backend wasm or --workers 1.`,
      );
    }
  },
  load: async () => (await import("./image-runner.ts")).imageRunner,
};
