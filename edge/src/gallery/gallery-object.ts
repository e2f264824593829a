import { DurableObject } from "cloudflare:workers";
import type { WorkerEnv } from "../env.ts";
import type { GalleryApi } from "./gallery-api.ts";
import { GalleryStore } from "./gallery-store.ts";

/**
 * One gallery: a Durable Object with SQLite storage (wrangler.toml `new_sqlite_classes`), named
 * after the gallery. Its methods are the RPC surface the worker's routes call; the data and the
 * exact search live in {@link GalleryStore}. Exported from the worker's entry (edge/src/index.ts).
 */
export class GalleryObject extends DurableObject<WorkerEnv> implements GalleryApi {
  private readonly store: GalleryStore;

  constructor(ctx: ConstructorParameters<typeof DurableObject<WorkerEnv>>[0], env: WorkerEnv) {
    super(ctx, env);
    this.store = new GalleryStore(ctx.storage);
  }

  addFaces(input: Parameters<GalleryApi["addFaces"]>[0]) {
    return this.store.addFaces(input);
  }
  listPeople() {
    return this.store.listPeople();
  }
  deletePerson(person: string) {
    return this.store.deletePerson(person);
  }
  deleteFace(person: string, id: number) {
    return this.store.deleteFace(person, id);
  }
  identify(input: Parameters<GalleryApi["identify"]>[0]) {
    return this.store.identify(input);
  }
  exportPage(after: { person: string; id: number } | null, limit: number) {
    return this.store.exportPage(after, limit);
  }
  importPeople(input: Parameters<GalleryApi["importPeople"]>[0]) {
    return this.store.importPeople(input);
  }
  stats() {
    return this.store.stats();
  }
}
