/**
 * @module
 * The `face` task: shared's pretrained face pipeline (detect, align, embed) plus a small trained head
 * and an open-set rule (trainer/src/face). This descriptor (flags, checks; defaults in defaults.ts) loads nothing
 * heavy; the work is face-runner.ts.
 */
import { MarqueeError } from "@marquee/shared";
import type { EvaluateFlags, TrainFlags } from "./flags.ts";
import type { TrainerTask } from "./task.ts";

/** The face task; see the module comment. */
export const faceTask: TrainerTask = {
  pipeline: "face",
  models: ["face"],
  trainFlags: new Set<keyof TrainFlags>([
    "model",
    "data",
    "validationData",
    "out",
    "name",
    "head",
    "epochs",
    "batchSize",
    "validationSplit",
    "seed",
    "learningRate",
    "decaySteps",
    "decayRate",
    "patience",
    "backend",
    "cacheDir",
    "charts",
    "rejection",
    "strangers",
    "workers",
  ]),
  evaluateFlags: new Set<keyof EvaluateFlags>(["cacheDir", "json"]),
  validateTrain(flags) {
    if (!flags.data)
      throw new MarqueeError("bad_request", "--data <dir> is required (a folder of class folders).");
  },
  load: async () => (await import("./face-runner.ts")).faceRunner,
};
