// Module shapes that TypeScript cannot infer: wrangler turns an imported .wasm into a compiled
// WebAssembly.Module, and tfjs-backend-wasm's emscripten factory ships without types.

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

declare module "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js" {
  const factory: (config: object) => Promise<unknown>;
  export default factory;
}
