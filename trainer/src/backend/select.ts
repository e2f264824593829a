import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "./wasm-node.ts";

/** A value of the trainer's `--backend` flag. */
export type BackendRequest = "auto" | "node-gpu" | "node" | "wasm" | "cpu";

/** The backend that {@link selectBackend} made active, and why. */
export interface BackendChoice {
  /** "node-gpu" | "node" | "wasm" | "cpu". */
  name: Exclude<BackendRequest, "auto">;
  /** One line for the user, e.g. "node-gpu unavailable: … → using wasm (SIMD, 1 thread)". */
  reason: string;
}

const NODE_PACKAGES = { "node-gpu": "@tensorflow/tfjs-node-gpu", node: "@tensorflow/tfjs-node" } as const;

/**
 * Why tfjs-node(-gpu) cannot load here, without importing it (null when it looks loadable).
 * For reports such as the benchmark's "unavailable: …" rows.
 */
export function nodeBackendProblem(which: "node-gpu" | "node"): string | null {
  return nodeBindingProblem(NODE_PACKAGES[which]);
}

/**
 * Why a tfjs-node package cannot load, without importing it: a failed import leaves ~150 kernels
 * half-registered (and prints a warning for each on the next attempt), so look for the native
 * binding first. Returns null when it looks loadable.
 */
function nodeBindingProblem(pkg: string): string | null {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed (it is an optional dependency)`;
  }
  const lib = join(pkgDir, "lib");
  const napiDirs = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith("napi-v")) : [];
  if (!napiDirs.some((d) => existsSync(join(lib, d, "tfjs_binding.node")))) {
    return "libtensorflow binding not installed (its install step downloads libtensorflow; see README)";
  }
  return null;
}

/** Imports a tfjs-node package and activates its "tensorflow" backend; returns the failure reason or null. */
async function tryNodeBackend(which: "node-gpu" | "node"): Promise<string | null> {
  const pkg = NODE_PACKAGES[which];
  const problem = nodeBindingProblem(pkg);
  if (problem) return problem;
  const warn = console.warn;
  try {
    // Duplicate-kernel warnings from a second tfjs-node flavour are noise; the outcome is reported.
    console.warn = () => {};
    await import(/* @vite-ignore */ pkg);
    if (!(await tf.setBackend("tensorflow")))
      return `${pkg} loaded but its "tensorflow" backend failed to start`;
    await tf.ready();
    return null;
  } catch (err) {
    const first = String((err as Error)?.message ?? err).split("\n")[0];
    return `${pkg} failed to load: ${first}`;
  } finally {
    console.warn = warn;
  }
}

/**
 * Activates the tfjs backend the user asked for. `auto` tries tfjs-node-gpu, then tfjs-node
 * (both optional and imported lazily), then wasm (SIMD, with the training kernels registered),
 * then the pure-JS cpu backend. An explicit request that cannot be met throws `bad_request`.
 *
 * @example
 * const { name, reason } = await selectBackend("auto", console.log);
 * // "node-gpu unavailable: libtensorflow binding not installed (…) → using wasm (SIMD, 1 thread)"
 */
export async function selectBackend(
  requested: BackendRequest,
  log?: (msg: string) => void,
): Promise<BackendChoice> {
  const skipped: string[] = [];
  const done = (name: BackendChoice["name"], how: string): BackendChoice => {
    const reason = [...skipped, `using ${how}`].join(" → ");
    log?.(`backend: ${reason}`);
    return { name, reason };
  };

  for (const which of ["node-gpu", "node"] as const) {
    if (requested !== "auto" && requested !== which) continue;
    const problem = await tryNodeBackend(which);
    if (problem === null) return done(which, `${which} (${NODE_PACKAGES[which]}, libtensorflow)`);
    if (requested === which) {
      throw new MarqueeError(
        "bad_request",
        `--backend ${which} is unavailable: ${problem}. ${which === "node-gpu" ? "tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1. " : ""}Use --backend wasm or auto.`,
      );
    }
    skipped.push(`${which} unavailable: ${problem}`);
  }

  if (requested === "auto" || requested === "wasm") {
    try {
      const info = await initWasmBackend();
      return done(
        "wasm",
        `wasm (${info.simd ? "SIMD" : "no SIMD"}, ${info.threads} thread${info.threads === 1 ? "" : "s"})`,
      );
    } catch (err) {
      const problem = String((err as Error)?.message ?? err).split("\n")[0];
      if (requested === "wasm")
        throw new MarqueeError("bad_request", `--backend wasm failed to start: ${problem}`);
      skipped.push(`wasm unavailable: ${problem}`);
    }
  }

  if (!(await tf.setBackend("cpu")))
    throw new MarqueeError("internal_error", "the tfjs cpu backend failed to start");
  await tf.ready();
  return done("cpu", "cpu (pure JS, about 50× slower than wasm)");
}
