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

/** Every package file a bundle loads before its first dynamic import(), following its static chunk imports. */
async function packagesLoadedAtStart(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith("./") || spec.startsWith("../")) await visit(join(file, "..", spec));
      else if (spec.startsWith("file:"))
        packages.add(spec.replace(/^.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, "$1"));
    }
    // A CommonJS package is required by a stub at the top of the chunk, outside any lazy wrapper.
    for (const m of text.matchAll(/^\s*module\.exports = __marqueeRequire\("([^"]+)"\);/gm)) {
      packages.add(m[1]!.replace(/^.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, "$1"));
    }
  };
  await visit(entry);
  return [...packages].sort();
}

it("the bundles load only commander before checking flags (tfjs, sharp, vega load on first use)", async () => {
  await run(process.execPath, ["scripts/run-cli.mjs", "predict", "--help"], { cwd: REPO_DIR });
  for (const name of ["train", "predict", "evaluate"]) {
    const loaded = await packagesLoadedAtStart(join(REPO_DIR, "trainer", "dist", "cli", `${name}.mjs`));
    expect(loaded, name).toEqual(["commander"]);
  }
});

it("pnpm predict names a missing photo and an image-less folder in words, before loading the model", async () => {
  const fail = (args: string[]) =>
    run(process.execPath, ["scripts/run-cli.mjs", "predict", ...args], { cwd: REPO_DIR }).then(
      () => {
        throw new Error("expected exit 1");
      },
      (err: { code: number; stderr: string }) => err,
    );
  const missing = await fail(["no-such-photo.jpg"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(
    "error: no-such-photo.jpg does not exist; pass image files or a folder of them.",
  );
  const folder = await fail(["trainer/src/cli"]);
  expect(folder.stderr).toContain("error: trainer/src/cli is a folder with no images in it");
  expect(folder.stderr).not.toContain("EISDIR");
  expect(folder.stderr).not.toContain("Loading the model");
});
