/**
 * @module
 * Progress of a long loop over many items (decoding images, embedding photos): a cli-progress bar with
 * a rate and ETA on a terminal, otherwise a plain line every 10 % so logs stay readable. (The training
 * loop's per-epoch bar is train/progress.ts's FitReporter.)
 */
import cliProgress from "cli-progress";

/** A progress display: `update(done)` after each item, `stop()` at the end. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * Start a progress display for `total` items; `verb` heads the bar ("Decoding"), `unit` names the items.
 *
 * @example
 * const bar = makeProgress(Boolean(process.stderr.isTTY), files.length, { verb: "Embedding", unit: "photos" }, log);
 */
export function makeProgress(
  tty: boolean,
  total: number,
  what: { verb: string; unit: string },
  log: { info(line: string): void },
): Progress {
  const { verb, unit } = what;
  const started = performance.now();
  const rate = (v: number) => v / Math.max(1e-9, (performance.now() - started) / 1000);
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${verb} |{bar}| {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 40,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { speed: "0.0" });
    return {
      update: (v) => bar.update(v, { speed: rate(v).toFixed(1) }),
      stop: () => bar.stop(),
    };
  }
  let next = Math.ceil(total / 10);
  return {
    update(v) {
      if (v < next || v >= total) return;
      while (next <= v) next += Math.ceil(total / 10);
      const eta = (total - v) / rate(v);
      log.info(
        `  ${verb.toLowerCase()} ${v}/${total} (${Math.round((v / total) * 100)}%), ${rate(v).toFixed(1)} ${unit}/s, ETA ${eta.toFixed(0)} s`,
      );
    },
    stop() {},
  };
}
