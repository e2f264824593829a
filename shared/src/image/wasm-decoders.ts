import avifFactory from "@jsquash/avif/codec/dec/avif_dec.js";
import mozjpegFactory from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import webpFactory from "@jsquash/webp/codec/dec/webp_dec.js";
import type { WasmDecoderModules } from "./types.ts";

/** The part of an emscripten-built jSquash decoder instance that Marquee uses. */
interface CodecInstance {
  decode(
    data: Uint8Array,
    ...rest: (boolean | number)[]
  ): { width: number; height: number; data: Uint8ClampedArray } | null;
  HEAPU8?: Uint8Array;
}

type CodecFactory = (options: Record<string, unknown>) => Promise<CodecInstance>;

/** Which wasm decoder. */
export type WasmCodecName = keyof WasmDecoderModules;

/** Thrown by {@link runWasmDecoder} when the wasm code fails; carries what libjpeg/libwebp printed. */
export class WasmDecodeError extends Error {
  override readonly name = "WasmDecodeError";
  constructor(
    message: string,
    readonly messages: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// wasm memory never shrinks; an instance whose heap grew past this after a big photo is dropped, so one
// 12 MP upload (MozJPEG heap ≈ 46 MiB) does not stay pinned in a 128 MB isolate for the rest of its life.
const RECYCLE_HEAP_BYTES = 32 * 1024 * 1024;

class WasmCodec {
  module: WebAssembly.Module | undefined;
  private instance: Promise<CodecInstance> | undefined;
  private messages: string[] = [];
  created = 0;

  constructor(private readonly factory: CodecFactory) {}

  configure(module: WebAssembly.Module | undefined): void {
    if (module === this.module) return; // keep a warm instance when the same module is configured again
    this.module = module;
    this.instance = undefined;
  }

  private getInstance(module: WebAssembly.Module): Promise<CodecInstance> {
    if (!this.instance) {
      this.created++;
      const capture = (text: unknown) => {
        if (this.messages.length < 20) this.messages.push(String(text));
      };
      const starting = this.factory({
        noInitialRun: true,
        // workerd forbids compiling wasm at run time; instantiating a precompiled Module is allowed.
        instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) => {
          const instance = new WebAssembly.Instance(module, imports);
          done(instance);
          return instance.exports;
        },
        print: capture,
        printErr: capture,
      });
      // A failed start must not be cached either, or every later call would see the same rejection.
      starting.catch(() => {
        if (this.instance === starting) this.instance = undefined;
      });
      this.instance = starting;
    }
    return this.instance;
  }

  async decode(bytes: Uint8Array, extra: (boolean | number)[]) {
    const module = this.module;
    if (!module) throw new Error("wasm decoder not configured");
    const instance = await this.getInstance(module);
    this.messages = [];
    let result: ReturnType<CodecInstance["decode"]>;
    try {
      result = instance.decode(bytes, ...extra);
    } catch (err) {
      // After exit()/abort() inside emscripten the instance's state is undefined: start afresh next time.
      this.instance = undefined;
      throw new WasmDecodeError(describe(err, this.messages), this.messages, { cause: err });
    }
    if ((instance.HEAPU8?.byteLength ?? 0) > RECYCLE_HEAP_BYTES) this.instance = undefined;
    if (!result) {
      this.instance = undefined;
      throw new WasmDecodeError(describe(undefined, this.messages), this.messages);
    }
    return { result, messages: this.messages };
  }
}

function describe(err: unknown, messages: string[]): string {
  if (messages.length > 0) return messages.join("; ");
  if (err instanceof Error && err.message) return err.message;
  return "the decoder rejected the data";
}

const codecs: Record<WasmCodecName, WasmCodec> = {
  jpeg: new WasmCodec(mozjpegFactory as unknown as CodecFactory),
  webp: new WasmCodec(webpFactory as unknown as CodecFactory),
  avif: new WasmCodec(avifFactory as unknown as CodecFactory),
};

/**
 * Gives the decoders that need wasm their compiled modules. Required in workerd, where wasm arrives as an
 * imported `.wasm` module and cannot be compiled at run time; in Node use `useNodeWasmDecoders()` from
 * "@marquee/shared/node". A key that is present replaces that decoder's module (`undefined` removes it);
 * absent keys are left as they were.
 *
 * @example
 * import mozjpeg from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
 * import webp from "@jsquash/webp/codec/dec/webp_dec.wasm";
 * configureWasmDecoders({ jpeg: mozjpeg, webp });
 */
export function configureWasmDecoders(modules: WasmDecoderModules): void {
  for (const name of ["jpeg", "webp", "avif"] as const) {
    if (name in modules) codecs[name].configure(modules[name]);
  }
}

/** Whether a wasm module is configured for `name`. */
export function hasWasmDecoder(name: WasmCodecName): boolean {
  return codecs[name].module !== undefined;
}

/**
 * Runs a configured wasm decoder, returning RGBA pixels and anything the codec printed (warnings).
 * Throws {@link WasmDecodeError} on failure, after which the next call gets a fresh instance.
 */
export function runWasmDecoder(name: WasmCodecName, bytes: Uint8Array, extra: (boolean | number)[] = []) {
  return codecs[name].decode(bytes, extra);
}

/** How many instances of a wasm decoder have been started (for tests of the recover-after-failure path). */
export function wasmInstancesStarted(name: WasmCodecName): number {
  return codecs[name].created;
}
