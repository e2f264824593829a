// The face head's training defaults on their own, so option defaults can be read without loading tfjs.
import type { FaceHeadKind } from "./head.ts";

/** Defaults: a small head trains in seconds; Adam 0.01 decaying 4 % every 100 steps. */
export const FACE_HEAD_TRAINING_DEFAULTS = Object.freeze({
  head: "auto" as FaceHeadKind | "auto",
  epochs: 100,
  batchSize: 32,
  seed: 123,
  learningRate: 0.01,
  decaySteps: 100,
  decayRate: 0.96,
  patience: 20,
  strangerFoldSize: 3,
  // Issue 12's target: ≥ 98 % of strangers rejected on the leave-classes-out folds (at 0.95 the
  // BlazeFace-trained head answered 92 % of five-celeb/val's strangers as someone).
  minStrangersRejected: 0.98,
  charts: true,
});
