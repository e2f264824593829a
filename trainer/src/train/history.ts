import type { EpochLogs } from "./callbacks.ts";

/** Per-epoch record, Keras' `history.history` plus timing; index i is epoch i+1. */
export interface History {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  /** Learning rate in effect at the epoch's last step. */
  learning_rate: number[];
  /** Wall seconds of the epoch, training plus validation. */
  seconds: number[];
  /** Mean milliseconds per training step. */
  ms_per_step: number[];
}

/** An empty history. */
export function emptyHistory(): History {
  return {
    epoch: [],
    loss: [],
    accuracy: [],
    val_loss: [],
    val_accuracy: [],
    learning_rate: [],
    seconds: [],
    ms_per_step: [],
  };
}

/** Append one epoch. */
export function recordEpoch(
  history: History,
  epoch: number,
  logs: EpochLogs,
  timing: { learningRate: number; seconds: number; msPerStep: number },
): void {
  history.epoch.push(epoch + 1);
  history.loss.push(logs.loss);
  history.accuracy.push(logs.accuracy);
  history.val_loss.push(logs.val_loss);
  history.val_accuracy.push(logs.val_accuracy);
  history.learning_rate.push(timing.learningRate);
  history.seconds.push(timing.seconds);
  history.ms_per_step.push(timing.msPerStep);
}

/**
 * The per-epoch line: `Epoch 3/100 - loss: 2.8123 - accuracy: 0.1000 - val_loss: … - val_accuracy: … - 41s - 950ms/step`.
 */
export function formatEpochLine(
  epoch: number,
  epochs: number,
  logs: EpochLogs,
  timing: { seconds: number; msPerStep: number },
): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
  return [
    `Epoch ${epoch + 1}/${epochs}`,
    `loss: ${f(logs.loss)}`,
    `accuracy: ${f(logs.accuracy)}`,
    `val_loss: ${f(logs.val_loss)}`,
    `val_accuracy: ${f(logs.val_accuracy)}`,
    `${Math.round(timing.seconds)}s`,
    `${Math.round(timing.msPerStep)}ms/step`,
  ].join(" - ");
}
