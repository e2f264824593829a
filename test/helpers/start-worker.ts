// Runs a wrangler-built bundle under plain Miniflare (no nodejs_compat, no vitest pool), the way
// workerd will run it on Cloudflare.
import { cp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Miniflare, type MiniflareOptions, type RequestInit, type Response } from "miniflare";
import { REPO_DIR } from "./paths.ts";

/** A running worker. */
export interface RunningWorker {
  mf: Miniflare;
  /** Dispatch a request to the worker; `path` is relative to http://localhost. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Reload the worker with the same options (a new isolate; Miniflare re-reads the assets list). */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/** Options for {@link startWorker}. */
export interface StartWorkerOptions {
  bundleDir: string;
  assetsDir: string;
  /** Vars overriding wrangler.toml's [vars]. */
  vars?: Record<string, string>;
  inspectorPort?: number;
  /** Drop the worker's console output (e.g. a decoder's warnings during fuzzing). */
  quiet?: boolean;
  /** Keep the galleries' Durable Object storage in this folder (survives a restart or a new Miniflare). */
  persistDir?: string;
}

/**
 * Start Miniflare on the bundle with the explicit module list wrangler produced: the entry
 * (ESModule), .wasm files (CompiledWasm) and .bin files (Data).
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const files = (await readdir(options.bundleDir)).filter((f) => /\.(m?js|wasm|bin)$/.test(f));
  const modules = files
    .sort((a, b) => Number(b === "index.js") - Number(a === "index.js"))
    .map((f) => ({
      type: f.endsWith(".wasm")
        ? ("CompiledWasm" as const)
        : f.endsWith(".bin")
          ? ("Data" as const)
          : ("ESModule" as const),
      path: join(options.bundleDir, f),
    }));
  const toml = await readFile(join(REPO_DIR, "wrangler.toml"), "utf8");
  const mfOptions = {
    modules,
    modulesRoot: options.bundleDir,
    compatibilityDate: /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)?.[1] ?? "2026-04-01",
    bindings: { ...wranglerVars(toml), ...options.vars },
    durableObjects: wranglerDurableObjects(toml),
    ...(options.persistDir !== undefined ? { durableObjectsPersist: options.persistDir } : {}),
    assets: {
      directory: options.assetsDir,
      binding: "ASSETS",
      routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
    },
    cf: false,
    ...(options.inspectorPort !== undefined ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.quiet
      ? {
          handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
            stdout.resume();
            stderr.resume();
          },
        }
      : {}),
  } satisfies MiniflareOptions;
  const mf = new Miniflare(mfOptions);
  await mf.ready;
  return {
    mf,
    fetch: (path, init) => mf.dispatchFetch(`http://localhost${path}`, init),
    restart: () => mf.setOptions(mfOptions),
    dispose: () => mf.dispose(),
  };
}

/** Copy the pristine assets somewhere a test may break and repair them. */
export async function copyAssets(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}

/** The `[vars]` of wrangler.toml's text (string values only), as the deployed worker sees them. */
export function wranglerVars(toml: string): Record<string, string> {
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? "";
  const vars: Record<string, string> = {};
  for (const match of section.matchAll(/^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)) {
    vars[match[1] as string] = match[2] as string;
  }
  return vars;
}

/**
 * wrangler.toml's `[[durable_objects.bindings]]` as Miniflare options; classes listed in a
 * migration's `new_sqlite_classes` get SQLite storage, as on Cloudflare.
 */
export function wranglerDurableObjects(
  toml: string,
): Record<string, { className: string; useSQLite: boolean }> {
  const sqlite = new Set(
    [...toml.matchAll(/new_sqlite_classes\s*=\s*\[([^\]]*)\]/g)].flatMap((m) =>
      [...(m[1] as string).matchAll(/"([^"]+)"/g)].map((c) => c[1] as string),
    ),
  );
  const objects: Record<string, { className: string; useSQLite: boolean }> = {};
  for (const block of toml.split(/^\[\[durable_objects\.bindings\]\]\s*$/m).slice(1)) {
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
    const className = /^\s*class_name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
    if (name && className) objects[name] = { className, useSQLite: sqlite.has(className) };
  }
  return objects;
}
