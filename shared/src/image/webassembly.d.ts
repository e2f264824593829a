// ES2022's lib has no WebAssembly types (they live in lib.dom / lib.webworker, which would admit browser
// globals workerd lacks). This is the minimum the decoders touch, visible only to shared's own typecheck;
// drop it once the workspace provides WebAssembly types centrally.
declare namespace WebAssembly {
  // biome-ignore lint/suspicious/noEmptyInterface: an opaque handle, as in lib.dom
  interface Module {}
  var Module: { prototype: Module; new (bytes: ArrayBufferView | ArrayBuffer): Module };
  interface Instance {
    readonly exports: Exports;
  }
  var Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance };
  type Exports = Record<string, unknown>;
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}
