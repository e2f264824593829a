// `node scripts/bootstrap.mjs <command> [args…]`: makes a fresh clone usable, then runs the command.
//
// A machine with only git and Node ≥ 20 has no pnpm and no node_modules. `npm start` and `npm test`
// run through here, so they are the only two commands a newcomer needs:
//   1. pnpm at the version package.json's "packageManager" pins: the one on PATH if it is that
//      version, else a private copy installed once with npm into .tools/pnpm-<version>/
//      (corepack fails its signature check on some machines; `npm install` of the pinned version works).
//   2. `pnpm install --frozen-lockfile` when node_modules is missing or older than the lockfile and
//      package.json files (a stamp holds their hash; checking costs a few milliseconds).
//   3. The command, with that pnpm and node_modules/.bin on PATH.
// Everything this prints goes to stderr, so a command whose stdout is JSON stays parseable.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// Outside node_modules, so that deleting node_modules does not also cost the pnpm download.
const TOOLS_DIR = join(ROOT, ".tools");
const STAMP = join(ROOT, "node_modules", ".marquee-install.json");
// Files whose change means node_modules must be installed again.
const INSTALL_INPUTS = [
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  "package.json",
  "shared/package.json",
  "trainer/package.json",
  "edge/package.json",
  "test/package.json",
];
const isWindows = process.platform === "win32";

/** The pnpm version package.json pins ("packageManager": "pnpm@x.y.z"). */
export function pinnedPnpmVersion() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(pkg.packageManager ?? "");
  if (!match) throw new Error('package.json has no "packageManager": "pnpm@x.y.z"');
  return match[1];
}

function log(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
}

function versionOf(command, env) {
  const res = spawnSync(command, ["--version"], { encoding: "utf8", env, shell: isWindows });
  return res.status === 0 ? res.stdout.trim() : null;
}

/**
 * A directory holding a `pnpm` executable of the pinned version, installing it if needed.
 * Returns null when the pnpm already on PATH is that version.
 */
export function ensurePnpm() {
  const version = pinnedPnpmVersion();
  // Inside a pnpm script, pnpm itself is the caller: no need to look further.
  if ((process.env.npm_config_user_agent ?? "").startsWith(`pnpm/${version} `)) return null;
  if (versionOf("pnpm") === version) return null;
  const dir = join(TOOLS_DIR, `pnpm-${version}`);
  const bin = join(dir, "node_modules", ".bin");
  if (versionOf(join(bin, "pnpm")) === version) return bin;
  log(`installing pnpm ${version} into ${dir} (npm install; once)`);
  mkdirSync(dir, { recursive: true });
  const res = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `pnpm@${version}`,
    ],
    { stdio: ["ignore", process.stderr, "inherit"], shell: isWindows },
  );
  if (res.status !== 0 || versionOf(join(bin, "pnpm")) !== version) {
    throw new Error(
      `could not install pnpm ${version} with npm (exit ${res.status}); try: npm install -g pnpm@${version}`,
    );
  }
  return bin;
}

function installHash() {
  const hash = createHash("sha256");
  for (const file of INSTALL_INPUTS) {
    const path = join(ROOT, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path) : ""}\0`);
  }
  return hash.digest("hex");
}

/** True when node_modules is missing or was installed from other lockfile/package.json contents. */
export function installIsStale() {
  if (!existsSync(join(ROOT, "node_modules", ".modules.yaml"))) return true;
  try {
    return JSON.parse(readFileSync(STAMP, "utf8")).hash !== installHash();
  } catch {
    return true;
  }
}

/**
 * Ensure pnpm and a current node_modules; returns the environment to run commands in.
 *
 * @example
 * const env = ensureInstalled();
 * spawnSync("vitest", ["run"], { env, stdio: "inherit" });
 */
export function ensureInstalled() {
  const pnpmBin = ensurePnpm();
  const path = [join(ROOT, "node_modules", ".bin"), ...(pnpmBin ? [pnpmBin] : []), process.env.PATH ?? ""];
  const env = { ...process.env, PATH: path.join(delimiter) };
  if (installIsStale()) {
    log("node_modules is missing or out of date: pnpm install --frozen-lockfile");
    const res = spawnSync("pnpm", ["install", "--frozen-lockfile"], {
      cwd: ROOT,
      env,
      // pnpm's progress to stderr: stdout belongs to the command that follows.
      stdio: ["inherit", process.stderr, "inherit"],
      shell: isWindows,
    });
    if (res.status !== 0) throw new Error(`pnpm install failed (exit ${res.status})`);
    writeFileSync(STAMP, JSON.stringify({ hash: installHash() }));
  }
  return env;
}

/**
 * Run `command args…` after {@link ensureInstalled} (or in `env` it returned); returns its exit code.
 *
 * @example
 * process.exitCode = runBootstrapped("vitest", ["run"]);
 */
export function runBootstrapped(command, args, env = ensureInstalled()) {
  const res = spawnSync(command, args, { cwd: process.cwd(), env, stdio: "inherit", shell: isWindows });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [command, ...args] = process.argv.slice(2);
  try {
    if (!command) {
      ensureInstalled();
    } else {
      process.exitCode = runBootstrapped(command, args);
    }
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
