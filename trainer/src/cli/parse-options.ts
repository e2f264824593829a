// Shared pieces of the trainer CLIs (train, evaluate, predict): option parsers and the exit path.
import { isMarqueeError } from "@marquee/shared";
import { InvalidArgumentError } from "commander";

/**
 * A commander parser for an integer option of at least `min` (0 or 1), failing with a message that
 * names the option.
 *
 * @example
 * program.option("--epochs <n>", "epochs", integerOption("--epochs"), 20);
 */
export function integerOption(name: string, min: 0 | 1 = 0): (value: string) => number {
  const kind = min === 0 ? "non-negative" : "positive";
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a ${kind} integer.`);
    return n;
  };
}

/**
 * A commander parser for a finite number option, failing with a message that names the option.
 *
 * @example
 * program.option("--learning-rate <x>", "initial learning rate", numberOption("--learning-rate"), 1e-3);
 */
export function numberOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number.`);
    return n;
  };
}

/**
 * Runs a CLI's `main` and exits with its code; a MarqueeError prints as one plain `error:` line,
 * anything else with its stack, and exits 1.
 *
 * @example
 * runCli(main);
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      if (isMarqueeError(err)) console.error(`error: ${err.message}`);
      else console.error(err);
      process.exit(1);
    },
  );
}
