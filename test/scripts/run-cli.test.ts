// `pnpm predict/train/evaluate` run the esbuild bundle of the CLIs (scripts/run-cli.mjs,
// trainer/scripts/build-cli.mjs). The bundle must answer exactly as the TypeScript sources run with
// tsx, rebuild when a source changes, and keep stdout to the one JSON object with --json.
import { execFile } from "node:child_process";
import { readFile, utimes } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { samplePhotoPath } from "../helpers/images.ts";
import { REPO_DIR } from "../helpers/paths.ts";

const run = promisify(execFile);
const STAMP = join(REPO_DIR, "trainer", "dist", "cli", "inputs.json");

// Timings differ from run to run; everything else must not.
function withoutTimings(json: string): unknown {
  return JSON.parse(json, (key, value) => (/ms$|Ms$|seconds/i.test(key) ? undefined : value));
}

it("pnpm predict --json from the bundle prints what the tsx-run source prints", async () => {
  const photos = [samplePhotoPath(1), samplePhotoPath(2)];
  const args = ["--json", "--top", "3", ...photos];
  const bundled = await run(process.execPath, ["scripts/run-cli.mjs", "predict", ...args], { cwd: REPO_DIR });
  const source = await run(process.execPath, ["--import", "tsx", "trainer/src/cli/predict.ts", ...args], {
    cwd: REPO_DIR,
  });
  const result = withoutTimings(bundled.stdout) as { results: { faces?: unknown[] }[] };
  expect(result.results).toHaveLength(2);
  expect(result).toEqual(withoutTimings(source.stdout));
  // The bundle is built from the sources it was started from.
  const stamp = JSON.parse(await readFile(STAMP, "utf8")) as { inputs: Record<string, string> };
  expect(Object.keys(stamp.inputs)).toContain("trainer/src/cli/predict.ts");
  expect(Object.keys(stamp.inputs)).toContain("shared/src/image/decode.ts");
});

it("rebuilds the bundle when a source file changes, and only then", async () => {
  const help = () => run(process.execPath, ["scripts/run-cli.mjs", "evaluate", "--help"], { cwd: REPO_DIR });
  await help();
  const unchanged = await help();
  expect(unchanged.stderr).not.toContain("built the trainer CLIs");
  // Touch a source the CLIs import (same content, newer mtime).
  const source = join(REPO_DIR, "trainer", "src", "tasks", "flags.ts");
  const now = new Date();
  await utimes(source, now, now);
  const changed = await help();
  expect(changed.stderr).toContain("built the trainer CLIs");
  expect(changed.stdout).toContain("Usage: pnpm evaluate");
});
