// `node scripts/run-cli.mjs <train|predict|evaluate|gallery> [options…]`: what `pnpm train/predict/evaluate` run.
//
// Runs the CLI from its esbuild bundle (trainer/dist/cli, rebuilt by trainer/scripts/build-cli.mjs
// only when a source changed) in this same process. Running the TypeScript through tsx cost a loader
// thread resolving and transforming ~150 modules on every start (0.6–1 s idle, several seconds on a
// loaded machine). MARQUEE_CLI_FROM_SOURCE=1 runs the sources with tsx as before (also the fallback
// when the bundle cannot be built).
import { spawnSync } from "node:child_process";
import module from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Node 22.1+ keeps the compiled code of tfjs & co. on disk between runs (a no-op on Node 20).
module.enableCompileCache?.();

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const COMMANDS = ["train", "predict", "evaluate", "gallery"];

const [command, ...args] = process.argv.slice(2);
if (!COMMANDS.includes(command)) {
  process.stderr.write(`usage: node scripts/run-cli.mjs <${COMMANDS.join("|")}> [options…]\n`);
  process.exit(2);
}

function fromSource() {
  const entry = join(ROOT, "trainer", "src", "cli", `${command}.ts`);
  const res = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    stdio: "inherit",
    cwd: process.cwd(),
  });
  process.exit(res.status ?? 1);
}

if (process.env.MARQUEE_CLI_FROM_SOURCE === "1") fromSource();

let bundle;
try {
  const { CLI_OUT_DIR, ensureCliBuild } = await import("../trainer/scripts/build-cli.mjs");
  // Messages on stderr: with --json, stdout is one JSON object.
  await ensureCliBuild({ log: (message) => process.stderr.write(`${message}\n`) });
  bundle = join(CLI_OUT_DIR, `${command}.mjs`);
} catch (err) {
  process.stderr.write(`could not bundle the CLIs (${err?.message ?? err}); running them with tsx\n`);
  fromSource();
}
// The CLI reads its options from process.argv, as if started as `node <bundle> …`.
process.argv = [process.argv[0], bundle, ...args];
await import(pathToFileURL(bundle).href);
