// `npm start` / `pnpm start [--port N] [--model DIR] [wrangler dev options…]`: serve a model locally.
//
// Installs what is missing first (scripts/bootstrap.mjs), then runs `wrangler dev` from the repo root
// on the chosen port: `--port N` (or `--port=N`), else the PORT environment variable, else 8787.
// `npm start --port N` (without `--`) reaches here as npm_config_port, so it works too.
// `--model DIR` serves another exported model folder (same as MARQUEE_MODEL_DIR).
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureInstalled, ROOT, runBootstrapped } from "./bootstrap.mjs";

/** Default port, as in the README. */
export const DEFAULT_PORT = 8787;

/**
 * Split start's arguments into the port, the model folder and what goes to `wrangler dev` as is.
 *
 * @example
 * parseStartArgs(["--", "--port", "8795"], {}) // { port: 8795, model: undefined, rest: [] }
 */
export function parseStartArgs(argv, env) {
  const rest = [];
  let port;
  let model;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // `pnpm start -- --port N` hands the `--` on; wrangler would then ignore everything after it.
    if (arg === "--") continue;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === "--port" || flag === "--model") {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
      if (flag === "--port") port = parsePort(value, "--port");
      else model = value;
      continue;
    }
    rest.push(arg);
  }
  if (port === undefined && env.PORT) port = parsePort(env.PORT, "PORT");
  if (port === undefined && env.npm_config_port) port = parsePort(env.npm_config_port, "--port");
  return { port: port ?? DEFAULT_PORT, model, rest };
}

function parsePort(value, name) {
  const port = Number(value);
  if (!/^\d+$/.test(String(value).trim()) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number from 1 to 65535, got "${value}"`);
  }
  return port;
}

function main() {
  let options;
  try {
    options = parseStartArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`pnpm start: ${err.message}\n`);
    return 2;
  }
  const env = ensureInstalled();
  const wrangler = join(
    createRequire(join(ROOT, "edge", "package.json")).resolve("wrangler/package.json"),
    "..",
    "bin",
    "wrangler.js",
  );
  if (options.model) env.MARQUEE_MODEL_DIR = resolve(options.model);
  // Miniflare fetches a sample \`request.cf\` object from workers.cloudflare.com on every start; offline
  // that printed two ENOTFOUND stack traces. The worker never reads request.cf: use the placeholder.
  env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  // Gallery writes need the admin key; wrangler dev only sees it as a --var (or in .dev.vars).
  const adminKey = env.MARQUEE_ADMIN_KEY ? ["--var", `MARQUEE_ADMIN_KEY:${env.MARQUEE_ADMIN_KEY}`] : [];
  process.chdir(ROOT);
  return runBootstrapped(
    process.execPath,
    [wrangler, "dev", "--port", String(options.port), ...adminKey, ...options.rest],
    env,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = main();
}
