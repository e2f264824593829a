/// <reference types="node" />
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { configureWasmDecoders } from "../image/wasm-decoders.ts";

const require = createRequire(import.meta.url);

/** Paths of the decoders' wasm binaries inside node_modules (non-SIMD, non-threaded builds). */
export function wasmDecoderPaths(): { jpeg: string; webp: string; avif: string } {
  return {
    jpeg: require.resolve("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm"),
    webp: require.resolve("@jsquash/webp/codec/dec/webp_dec.wasm"),
    avif: require.resolve("@jsquash/avif/codec/dec/avif_dec.wasm"),
  };
}

let compiled:
  | Promise<{ jpeg: WebAssembly.Module; webp: WebAssembly.Module; avif: WebAssembly.Module }>
  | undefined;

/**
 * Compiles MozJPEG's and libwebp's wasm from node_modules (once per process) and hands them to
 * `configureWasmDecoders`. Node-only (reads files); workerd imports the `.wasm` files instead.
 * Calling it again re-applies the same modules, e.g. after a test removed them.
 *
 * @example
 * import { useNodeWasmDecoders } from "@marquee/shared/node";
 * await useNodeWasmDecoders();
 * const { image } = await decodeImage(bytes);
 */
export async function useNodeWasmDecoders(): Promise<void> {
  compiled ??= (async () => {
    const paths = wasmDecoderPaths();
    const [jpeg, webp, avif] = await Promise.all([
      compile(paths.jpeg),
      compile(paths.webp),
      compile(paths.avif),
    ]);
    return { jpeg, webp, avif };
  })();
  try {
    configureWasmDecoders(await compiled);
  } catch (err) {
    compiled = undefined; // let a later call retry rather than replay the failure
    throw err;
  }
}

async function compile(path: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readFile(path));
}

export * from "./face-weights.ts";
export * from "./human-weights.ts";
