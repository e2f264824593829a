import cliProgress from "cli-progress";
import type { DataLog } from "../data/types.ts";

/** A progress display: `update(done)` after each item, `stop()` at the end. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * A cli-progress bar with photos/s and ETA on a terminal; otherwise a line every 10 % (with the
 * same figures) so logs stay readable.
 */
export function makeProgress(tty: boolean, total: number, verb: string, log: DataLog): Progress {
  const started = performance.now();
  const rate = (v: number) => v / Math.max(1e-9, (performance.now() - started) / 1000);
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${verb} |{bar}| {percentage}% | {value}/{total} photos | {speed} photos/s | ETA {eta_formatted}`,
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
        `  ${verb.toLowerCase()} ${v}/${total} (${Math.round((v / total) * 100)}%), ${rate(v).toFixed(1)} photos/s, ETA ${eta.toFixed(0)} s`,
      );
    },
    stop() {},
  };
}
