// `cloudflare:workers` as far as the gallery Durable Object uses it (workerd provides the module;
// wrangler leaves the import alone when bundling).
declare module "cloudflare:workers" {
  /** Base class of RPC-capable Durable Objects. */
  export abstract class DurableObject<Env = unknown> {
    protected ctx: { storage: import("./bindings.ts").GalleryStorage };
    protected env: Env;
    constructor(ctx: { storage: import("./bindings.ts").GalleryStorage }, env: Env);
  }
}
