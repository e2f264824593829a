// Bundles the trainer CLIs (train, predict, evaluate) into trainer/dist/cli/*.mjs with esbuild, so a
// run starts as plain Node: no TypeScript loader hooked into every import, no per-file compile or
// cache lookup. scripts/run-cli.mjs calls ensureCliBuild() before each run; it rebuilds only when a
// source changed (a stamp lists every input file with its size and mtime, checked in ~10 ms).
//
// The bundle holds our own TypeScript (trainer/src, shared/src); npm packages stay external and are
// imported from where the source would import them. Each module's `import.meta.url` is replaced by
// its source file's URL, so paths computed from it (the default model folder, worker entry files,
// createRequire for wasm and weight files) mean exactly what they mean when run from source.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const TRAINER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(TRAINER_DIR, "..");
/** Where the bundles go: same depth as trainer/src/cli, for anything relative that slipped through. */
export const CLI_OUT_DIR = join(TRAINER_DIR, "dist", "cli");
/** The CLIs that can be bundled, by command name. */
export const CLI_ENTRIES = {
  train: join(TRAINER_DIR, "src", "cli", "train.ts"),
  predict: join(TRAINER_DIR, "src", "cli", "predict.ts"),
  evaluate: join(TRAINER_DIR, "src", "cli", "evaluate.ts"),
  gallery: join(TRAINER_DIR, "src", "cli", "gallery.ts"),
};
const STAMP = join(CLI_OUT_DIR, "inputs.json");
// Bumped when the way bundles are built changes.
const BUILD_FORMAT = 3;

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, "utf8"));
  } catch {
    return null;
  }
}

function stampFresh(stamp) {
  if (!stamp || stamp.format !== BUILD_FORMAT || stamp.root !== ROOT) return false;
  for (const [file, sig] of Object.entries(stamp.inputs)) {
    let s;
    try {
      s = statSync(join(ROOT, file));
    } catch {
      return false;
    }
    if (`${s.size}:${s.mtimeMs}` !== sig) return false;
  }
  // A new source file is picked up as soon as something that imports it changes (above); the
  // lockfile covers new or updated packages.
  return Object.keys(CLI_ENTRIES).every((name) => existsSync(join(CLI_OUT_DIR, `${name}.mjs`)));
}

const packageTypes = new Map();

/** Whether Node runs `file` as CommonJS: `.cjs`, or `.js` under a package.json without `"type": "module"`. */
function isCommonJs(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (packageTypes.has(dir)) return packageTypes.get(dir) !== "module";
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      let type;
      try {
        type = JSON.parse(readFileSync(pkg, "utf8")).type;
      } catch {
        type = undefined;
      }
      packageTypes.set(dir, type);
      return type !== "module";
    }
    if (dirname(dir) === dir) return true;
  }
}

/** An esbuild plugin: npm packages external (resolved from the importing file), import.meta.url per source file. */
function sourceLocationPlugin() {
  return {
    name: "marquee-source-location",
    setup(build) {
      build.onResolve({ filter: /^[^./]|^\.[^./]|^\.\.[^/]/ }, async (args) => {
        if (args.path.startsWith("node:") || args.path.startsWith("@marquee/")) return undefined;
        if (args.pluginData === "resolving") return undefined;
        if (args.kind === "entry-point") return undefined;
        // Resolve as Node would from the source file, then import that exact file at run time.
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "resolving",
        });
        if (found.errors.length > 0 || !found.path) return undefined;
        if (!found.path.includes(`${"/"}node_modules${"/"}`) && !found.path.includes("\\node_modules\\")) {
          return undefined;
        }
        // A CommonJS file (most of tfjs) is loaded with require(), not import: Node's ESM loader would
        // first run its CommonJS export scanner over every such file (~0.3 s of CPU for tfjs alone).
        // Same file, same module cache, so an ESM import of it elsewhere gets the same instance.
        if (isCommonJs(found.path)) return { path: found.path, namespace: "marquee-cjs" };
        return { path: pathToFileURL(found.path).href, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: "marquee-cjs" }, (args) => ({
        // __marqueeRequire (the banner's) so that esbuild does not bundle the file itself.
        contents: `module.exports = __marqueeRequire(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return {
          contents: source.replace(/\bimport\.meta\.url\b/g, url),
          loader: "ts",
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/**
 * Build the CLI bundles unless they are up to date; returns true when it built.
 *
 * @example
 * await ensureCliBuild(); // then: node trainer/dist/cli/predict.mjs photo.jpg
 */
export async function ensureCliBuild({ force = false, log = () => {} } = {}) {
  if (!force && stampFresh(readStamp())) return false;
  const started = Date.now();
  const esbuild = await import("esbuild");
  mkdirSync(CLI_OUT_DIR, { recursive: true });
  const staging = `${CLI_OUT_DIR}.building-${process.pid}`;
  const result = await esbuild.build({
    entryPoints: CLI_ENTRIES,
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Each dynamic import() of our own code becomes its own chunk, so the npm packages it imports
    // (tfjs, sharp, the wasm decoders) load only when that import runs. Without splitting, esbuild
    // hoists every package import of the whole bundle to its top: `--help` or a bad flag would load
    // tfjs first (~1 s of the start-up).
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node20",
    // Node's own resolution for packages: "main"/"exports", never a bundler-only "module" build.
    mainFields: ["main"],
    conditions: ["node", "import"],
    sourcemap: "linked",
    metafile: true,
    logLevel: "error",
    plugins: [sourceLocationPlugin()],
    // Packages whose CommonJS code uses require(); the bundle is ESM.
    banner: {
      js: "import { createRequire as __marqueeCreateRequire } from 'node:module'; const require = __marqueeCreateRequire(import.meta.url); const __marqueeRequire = require;",
    },
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const abs = resolve(ROOT, file);
    if (abs.includes("node_modules")) continue;
    const s = statSync(abs);
    inputs[relative(ROOT, abs)] = `${s.size}:${s.mtimeMs}`;
  }
  for (const file of ["pnpm-lock.yaml", "trainer/scripts/build-cli.mjs"]) {
    const s = statSync(join(ROOT, file));
    inputs[file] = `${s.size}:${s.mtimeMs}`;
  }
  // Move each output over the old one (a CLI already running keeps its open file).
  // Chunks first (content-hashed names, so they never replace a file a running CLI may still import),
  // then the entries that import them.
  const chunks = join(CLI_OUT_DIR, "chunks");
  mkdirSync(chunks, { recursive: true });
  const fresh = new Set(existsSync(join(staging, "chunks")) ? readdirSync(join(staging, "chunks")) : []);
  for (const name of fresh) renameSync(join(staging, "chunks", name), join(chunks, name));
  for (const name of readdirSync(staging)) {
    if (name !== "chunks") renameSync(join(staging, name), join(CLI_OUT_DIR, name));
  }
  rmSync(staging, { recursive: true, force: true });
  // Old chunks: kept for an hour, for a CLI started before this build that has not loaded them yet.
  for (const name of readdirSync(chunks)) {
    const file = join(chunks, name);
    if (!fresh.has(name) && Date.now() - statSync(file).mtimeMs > 3_600_000) rmSync(file, { force: true });
  }
  writeFileSync(STAMP, JSON.stringify({ format: BUILD_FORMAT, root: ROOT, inputs }, null, 1));
  log(`built the trainer CLIs in ${Date.now() - started} ms (trainer/dist/cli)`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await ensureCliBuild({
    force: process.argv.includes("--force"),
    log: (m) => process.stderr.write(`${m}\n`),
  });
}
