/** Keras' `ExponentialDecay`: `initial * rate ^ (step / decaySteps)`, floored exponent when `staircase`. */
export interface ExponentialDecay {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase: boolean;
}

/** The tutorial's schedule: 1e-4, ×0.96 every 60 optimiser steps, staircase. */
export const DEFAULT_SCHEDULE: ExponentialDecay = Object.freeze({
  initialLearningRate: 1e-4,
  decaySteps: 60,
  decayRate: 0.96,
  staircase: true,
});

/**
 * Learning rate for optimiser step `step` (0-based: the number of updates already applied).
 *
 * @example
 * learningRateAt(DEFAULT_SCHEDULE, 60); // 9.6e-5
 */
export function learningRateAt(schedule: ExponentialDecay, step: number): number {
  const p = step / schedule.decaySteps;
  return schedule.initialLearningRate * schedule.decayRate ** (schedule.staircase ? Math.floor(p) : p);
}
