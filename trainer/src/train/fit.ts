import * as tf from "@tensorflow/tfjs";
import { ScheduledAdam } from "./adam.ts";
import type { AdamOptions } from "./adam-options.ts";
import {
  BestTracker,
  EarlyStopping,
  type EarlyStoppingOptions,
  type EpochLogs,
  type MonitoredMetric,
} from "./callbacks.ts";
import {
  type FitState,
  loadResumeCheckpoint,
  restoreModelWeights,
  saveBestWeights,
  saveResumeCheckpoint,
} from "./checkpoint.ts";
import { batchCount, type TrainingData } from "./data-source.ts";
import { evaluateModel } from "./evaluate.ts";
import { emptyHistory, formatEpochLine, type History, recordEpoch } from "./history.ts";
import { evaluateOnPool } from "./parallel/evaluate-on-pool.ts";
import type { TrainingPool } from "./parallel/training-pool.ts";
import type { FitReporter } from "./progress.ts";
import { type ExponentialDecay, learningRateAt } from "./schedule.ts";
import { seedDropout, trainableVariables, trainStep } from "./step.ts";

/** Settings of the fit loop. */
export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Seeds dropout masks, as (seed, epoch, step, layer). Shuffling is the data source's, from the same seed. */
  seed: number;
  schedule: ExponentialDecay;
  adam: AdamOptions;
  /** Whether the model emits logits (softmax cross-entropy) or probabilities. */
  fromLogits: boolean;
  /** Metric whose best epoch is checkpointed. */
  checkpoint: { monitor: MonitoredMetric; mode: "max" | "min" };
  earlyStopping: EarlyStoppingOptions | null;
  /** Also save a resume checkpoint mid-epoch at most this often (seconds); 0 = only at epoch ends. */
  checkpointEverySeconds: number;
}

/** What the loop works on. */
export interface FitContext {
  model: tf.LayersModel;
  data: TrainingData;
  /** Folder for `last/` (resume) and `best/` (best weights). */
  checkpointDir: string;
  reporter: FitReporter;
  /** Abort (e.g. on SIGINT) to stop after the current step; the loop saves a resume checkpoint first. */
  signal?: AbortSignal;
  /** Continue from `checkpointDir/last` instead of starting afresh. */
  resume?: boolean;
  /** Identifies the run; a checkpoint saved under another config is refused on resume. */
  runConfig: unknown;
  /** Run the steps and validation data-parallel on these worker threads (Adam's moments then live on the host). */
  pool?: TrainingPool;
  /** Test hook: called after every training step with the loop state (e.g. to crash mid-epoch). */
  afterStep?: (state: Readonly<FitState>) => void | Promise<void>;
}

/** How fit ended. */
export interface FitResult {
  history: History;
  stopReason: "completed" | "early_stopping" | "interrupted";
  /** Epoch (0-based) whose weights are in `checkpointDir/best`, or null if none finished. */
  bestEpoch: number | null;
  bestValue: number | null;
  /** Optimiser steps taken in total (across resumes). */
  steps: number;
  /** Epochs fully trained in total (across resumes). */
  epochsDone: number;
}

function initialState(options: FitOptions): FitState {
  return {
    epoch: 0,
    batchInEpoch: 0,
    partial: { lossSum: 0, correct: 0, count: 0, seconds: 0, steps: 0 },
    step: 0,
    history: emptyHistory(),
    earlyStopping: options.earlyStopping
      ? { best: null, bestEpoch: null, wait: 0, stoppedEpoch: null }
      : null,
    best: { best: null, bestEpoch: null },
    stoppedEarly: false,
  };
}

/** Restore model weights, optimiser moments and loop state from `checkpointDir/last`. */
async function resumeFrom(ctx: FitContext, optimizer: ScheduledAdam, options: FitOptions): Promise<FitState> {
  const ckpt = await loadResumeCheckpoint(ctx.checkpointDir, ctx.runConfig);
  restoreModelWeights(ctx.model, ckpt.weights);
  optimizer.restore(ckpt.state.step, ckpt.optimizer);
  tf.dispose([...ckpt.weights.map((w) => w.tensor), ...ckpt.optimizer.map((w) => w.tensor)]);
  const state = ckpt.state;
  if (options.earlyStopping && !state.earlyStopping)
    state.earlyStopping = initialState(options).earlyStopping;
  ctx.reporter.message(
    `Resuming in epoch ${state.epoch + 1} after ${state.batchInEpoch} of its steps (${state.step} optimiser steps done in all).`,
  );
  return state;
}

/** Add one training step's result to the epoch's running sums (in place); returns them. */
function addStep(
  state: FitState,
  r: { loss: number; correct: number; count: number },
  seconds: number,
  optimizerStep: number,
): FitState["partial"] {
  const p = state.partial;
  p.lossSum += r.loss * r.count;
  p.correct += r.correct;
  p.count += r.count;
  p.steps++;
  p.seconds += seconds;
  state.batchInEpoch++;
  state.step = optimizerStep;
  return p;
}

/** The finished epoch's logs: its running training sums and the validation set (dropout off). */
async function validateEpoch(
  model: tf.LayersModel,
  data: TrainingData,
  state: FitState,
  options: FitOptions,
  config: Parameters<typeof evaluateModel>[2],
  on: { variables: tf.Variable[]; pool?: TrainingPool },
): Promise<{ logs: EpochLogs; seconds: number; msPerStep: number }> {
  const validationStarted = performance.now();
  seedDropout(model, null);
  const validation = data.validationBatches({ batchSize: options.batchSize });
  const ev = on.pool
    ? await evaluateOnPool(on.pool, on.variables, validation, config)
    : await evaluateModel(model, validation, config);
  const p = state.partial;
  const logs: EpochLogs = {
    loss: p.lossSum / p.count,
    accuracy: p.correct / p.count,
    val_loss: ev.loss,
    val_accuracy: ev.accuracy,
  };
  const seconds = p.seconds + (performance.now() - validationStarted) / 1000;
  const msPerStep = p.steps ? (p.seconds * 1000) / p.steps : 0;
  return { logs, seconds, msPerStep };
}

/**
 * Keras-style fit over an async batch source, with best-weights checkpointing, early stopping, resume
 * checkpoints at every epoch end (and mid-epoch every `checkpointEverySeconds`), and a clean stop on abort.
 * Deterministic given the seed and backend: shuffling comes from the data source per (seed, epoch) and
 * dropout from (seed, epoch, step), so an interrupted-and-resumed run equals an uninterrupted one.
 */
export async function fit(ctx: FitContext, options: FitOptions): Promise<FitResult> {
  const { model, data, reporter } = ctx;
  const variables = trainableVariables(model);
  const optimizer = new ScheduledAdam(variables, options.schedule, options.adam, ctx.pool ? "host" : "auto");
  const config = {
    imageSize: data.imageSize,
    numClasses: data.labels.length,
    fromLogits: options.fromLogits,
  };
  let state = initialState(options);

  try {
    if (ctx.resume) state = await resumeFrom(ctx, optimizer, options);
    const earlyStopping = options.earlyStopping ? new EarlyStopping(options.earlyStopping) : null;
    if (earlyStopping && state.earlyStopping) earlyStopping.state = state.earlyStopping;
    const best = new BestTracker(options.checkpoint);
    best.state = state.best;

    const saveLast = () =>
      saveResumeCheckpoint(ctx.checkpointDir, {
        model,
        optimizerTensors: optimizer.stateTensors(),
        state,
        config: ctx.runConfig,
      });
    const result = (stopReason: FitResult["stopReason"]): FitResult => ({
      history: state.history,
      stopReason,
      bestEpoch: state.best.bestEpoch,
      bestValue: state.best.best,
      steps: state.step,
      epochsDone: state.history.epoch.length,
    });

    const steps = batchCount(data.trainSize, options.batchSize);
    while (state.epoch < options.epochs && !state.stoppedEarly) {
      const epoch = state.epoch;
      reporter.epochBegin({ epoch, epochs: options.epochs, steps, fromStep: state.batchInEpoch });
      let lastSave = performance.now();
      for await (const batch of data.trainBatches({
        epoch,
        batchSize: options.batchSize,
        fromBatch: state.batchInEpoch,
      })) {
        const started = performance.now();
        seedDropout(model, { run: options.seed, epoch, step: state.batchInEpoch });
        const r = ctx.pool
          ? await ctx.pool.trainStep(model, optimizer, variables, batch, config)
          : await trainStep(model, optimizer, variables, batch, config);
        const p = addStep(state, r, (performance.now() - started) / 1000, optimizer.step);
        reporter.stepEnd({
          step: state.batchInEpoch,
          steps,
          loss: p.lossSum / p.count,
          accuracy: p.correct / p.count,
        });
        await ctx.afterStep?.(state);
        if (ctx.signal?.aborted) {
          await saveLast();
          reporter.message(
            `Interrupted at epoch ${epoch + 1}, step ${state.batchInEpoch}/${steps}; checkpoint saved. Re-run with --resume to continue.`,
          );
          return result("interrupted");
        }
        if (
          options.checkpointEverySeconds > 0 &&
          (performance.now() - lastSave) / 1000 >= options.checkpointEverySeconds
        ) {
          await saveLast();
          lastSave = performance.now();
        }
      }

      const { logs, seconds, msPerStep } = await validateEpoch(model, data, state, options, config, {
        variables,
        ...(ctx.pool ? { pool: ctx.pool } : {}),
      });
      if (best.onEpochEnd(epoch, logs)) await saveBestWeights(ctx.checkpointDir, model, { epoch, logs });
      recordEpoch(state.history, epoch, logs, {
        learningRate: learningRateAt(options.schedule, Math.max(0, optimizer.step - 1)),
        seconds,
        msPerStep,
      });
      const stop = earlyStopping?.onEpochEnd(epoch, logs) ?? false;
      reporter.epochEnd(formatEpochLine(epoch, options.epochs, logs, { seconds, msPerStep }));
      state = {
        ...state,
        epoch: epoch + 1,
        batchInEpoch: 0,
        partial: { lossSum: 0, correct: 0, count: 0, seconds: 0, steps: 0 },
        earlyStopping: earlyStopping ? earlyStopping.state : null,
        best: best.state,
        stoppedEarly: stop,
      };
      await saveLast();
      if (stop) {
        reporter.message(
          `Early stopping: ${options.earlyStopping!.monitor} has not improved by ${options.earlyStopping!.minDelta} for ${options.earlyStopping!.patience} epochs (best epoch ${(state.earlyStopping!.bestEpoch ?? 0) + 1}).`,
        );
      }
      if (ctx.signal?.aborted) {
        reporter.message(
          `Interrupted after epoch ${epoch + 1}; checkpoint saved. Re-run with --resume to continue.`,
        );
        return result("interrupted");
      }
    }
    return result(state.stoppedEarly ? "early_stopping" : "completed");
  } finally {
    seedDropout(model, null);
    optimizer.dispose();
  }
}
