/** Metrics of one finished epoch, Keras' names. */
export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** A metric name callbacks can monitor. */
export type MonitoredMetric = keyof EpochLogs;

/** Early stopping settings (Keras' EarlyStopping). */
export interface EarlyStoppingOptions {
  monitor: MonitoredMetric;
  mode: "max" | "min";
  minDelta: number;
  patience: number;
}

/** Serializable state of {@link EarlyStopping}, saved in checkpoints. */
export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  wait: number;
  stoppedEpoch: number | null;
}

/**
 * Keras' EarlyStopping: an epoch improves when it beats the best by more than `minDelta`; training
 * stops once `patience` epochs in a row did not (and never after the first epoch).
 *
 * @example
 * const es = new EarlyStopping({ monitor: "val_accuracy", mode: "max", minDelta: 0.001, patience: 20 });
 * if (es.onEpochEnd(epoch, logs)) break;
 */
export class EarlyStopping {
  state: EarlyStoppingState = { best: null, bestEpoch: null, wait: 0, stoppedEpoch: null };

  constructor(readonly options: EarlyStoppingOptions) {}

  /** Record an epoch; returns true when training should stop now. */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    const current = logs[this.options.monitor];
    const s = this.state;
    s.wait++;
    if (Number.isFinite(current) && this.improves(current, s.best)) {
      s.best = current;
      s.bestEpoch = epoch;
      s.wait = 0;
      return false;
    }
    if (s.wait >= this.options.patience && epoch > 0) {
      s.stoppedEpoch = epoch;
      return true;
    }
    return false;
  }

  private improves(current: number, best: number | null): boolean {
    if (best === null) return true;
    const { mode, minDelta } = this.options;
    return mode === "max" ? current - minDelta > best : current + minDelta < best;
  }
}

/** Serializable state of {@link BestTracker}. */
export interface BestState {
  best: number | null;
  bestEpoch: number | null;
}

/**
 * Keras' ModelCheckpoint(save_best_only) decision: an epoch is the new best when its monitored value is
 * strictly better than every earlier one (no min_delta). The caller saves the weights when it says so.
 */
export class BestTracker {
  state: BestState = { best: null, bestEpoch: null };

  constructor(readonly options: { monitor: MonitoredMetric; mode: "max" | "min" }) {}

  /** Record an epoch; returns true when its weights should be saved as the new best. */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    const current = logs[this.options.monitor];
    if (!Number.isFinite(current)) return false;
    const { best } = this.state;
    const better = best === null || (this.options.mode === "max" ? current > best : current < best);
    if (better) this.state = { best: current, bestEpoch: epoch };
    return better;
  }
}
