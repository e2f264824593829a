import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * A package's version from its own package.json (not its exported `version` string: vega 6.3.0's
 * bundle says "5.33.1"). Null when it cannot be found.
 */
export function installedVersion(name: string): string | null {
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level; keep climbing
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return null;
}

/** Where and with what a run was made, for the report's configuration section. */
export interface RunEnvironment {
  backend: string;
  node: string;
  os: string;
  cpu: string;
  memory: string;
  versions: Record<string, string>;
}

/**
 * Describe the machine and the library versions of this process.
 *
 * @example
 * runEnvironment("wasm").versions["@tensorflow/tfjs"] // "4.22.0"
 */
export function runEnvironment(backend: string): RunEnvironment {
  const versions: Record<string, string> = {};
  for (const name of [
    "@marquee/trainer",
    "@marquee/shared",
    "@tensorflow/tfjs",
    "@tensorflow/tfjs-backend-wasm",
    // Installed as optional dependencies even where unusable; name them only when in use.
    ...(/^(node|tensorflow)/.test(backend) ? ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"] : []),
    "sharp",
    "vega",
    "vega-lite",
  ]) {
    const v = name === "@marquee/trainer" ? ownVersion() : installedVersion(name);
    if (v) versions[name] = v;
  }
  const cores = cpus();
  return {
    backend,
    node: process.version,
    os: `${platform()} ${release()} (${arch()})`,
    cpu: cores.length ? `${cores.length} × ${cores[0]!.model.trim()}` : "unknown",
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    versions,
  };
}

function ownVersion(): string | null {
  try {
    const url = new URL("../../package.json", import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}
