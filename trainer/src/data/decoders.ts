let ready: Promise<void> | null = null;

/**
 * Configure shared's wasm decoders for Node once per process. The Node entry of
 * @marquee/shared compiles them from node_modules; if a build of shared lacks that entry
 * the pure-JS decoders are used and this is a no-op.
 */
export function ensureNodeDecoders(): Promise<void> {
  ready ??= (async () => {
    let mod: { useNodeWasmDecoders?: () => Promise<void> };
    try {
      mod = await import("@marquee/shared/node");
    } catch {
      return;
    }
    await mod.useNodeWasmDecoders?.();
  })();
  return ready;
}
