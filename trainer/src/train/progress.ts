import cliProgress from "cli-progress";

/** Receives the loop's progress; the console one draws a bar, tests collect lines. */
export interface FitReporter {
  epochBegin(info: { epoch: number; epochs: number; steps: number; fromStep: number }): void;
  stepEnd(info: { step: number; steps: number; loss: number; accuracy: number }): void;
  /** The finished epoch's summary line (see formatEpochLine). */
  epochEnd(line: string): void;
  /** Anything else worth a line: checkpoints, early stop, interruption. */
  message(text: string): void;
}

/** A reporter that records lines and draws nothing. */
export function collectingReporter(lines: string[] = []): FitReporter & { lines: string[] } {
  return {
    lines,
    epochBegin() {},
    stepEnd() {},
    epochEnd: (line) => lines.push(line),
    message: (text) => lines.push(text),
  };
}

/**
 * A reporter with a cli-progress bar per epoch on `stream` (stderr by default, so stdout stays the
 * epoch lines) and lines through `log`.
 */
export function consoleReporter(
  options: { stream?: NodeJS.WriteStream; log?: (line: string) => void } = {},
): FitReporter {
  const stream = options.stream ?? process.stderr;
  const log = options.log ?? ((line: string) => console.log(line));
  let bar: cliProgress.SingleBar | null = null;
  // Off a terminal: a plain line every tenth of an epoch instead of a bar (none for short epochs).
  let nextLineAt = 0;
  let epochStarted = 0;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    epochBegin({ epoch, epochs, steps, fromStep }) {
      stopBar();
      if (!stream.isTTY) {
        if (fromStep) {
          log(
            fromStep >= steps
              ? `Epoch ${epoch + 1}/${epochs}: all ${steps} steps done before the interruption; validating`
              : `Epoch ${epoch + 1}/${epochs}: resuming at step ${fromStep + 1}/${steps}`,
          );
        }
        nextLineAt = fromStep + Math.max(1, Math.ceil(steps / 10));
        epochStarted = performance.now();
        return;
      }
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `Epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} - loss: {loss} - accuracy: {accuracy} - ETA {eta_formatted}`,
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.legacy,
      );
      bar.start(steps, fromStep, { loss: "-", accuracy: "-" });
    },
    stepEnd({ step, steps, loss, accuracy }) {
      if (bar) {
        bar.update(step, { loss: loss.toFixed(4), accuracy: accuracy.toFixed(4) });
      } else if (!stream.isTTY && steps >= 10 && step >= nextLineAt && step < steps) {
        nextLineAt = step + Math.max(1, Math.ceil(steps / 10));
        const seconds = (performance.now() - epochStarted) / 1000;
        log(
          `  step ${step}/${steps} - loss: ${loss.toFixed(4)} - accuracy: ${accuracy.toFixed(4)} - ${seconds.toFixed(0)}s`,
        );
      }
    },
    epochEnd(line) {
      stopBar();
      log(line);
    },
    message(text) {
      stopBar();
      log(text);
    },
  };
}
