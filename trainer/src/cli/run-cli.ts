// The exit path every trainer CLI (train, evaluate, predict) shares.
import { isMarqueeError } from "@marquee/shared";
import { CommanderError } from "commander";

/**
 * Runs a CLI's `main` and exits with its code; a MarqueeError prints as one plain `error:` line, a
 * commander error (already printed by commander, or `--help`) exits with its own code, anything else
 * prints with its stack and exits 1.
 *
 * @example
 * runCli(main);
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof CommanderError) process.exit(err.exitCode);
      if (isMarqueeError(err)) console.error(`error: ${err.message}`);
      else console.error(err);
      process.exit(1);
    },
  );
}
