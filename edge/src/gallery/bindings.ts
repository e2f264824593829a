// The few Cloudflare runtime types the gallery code needs (the repo does not depend on
// @cloudflare/workers-types): SQLite storage of a Durable Object and the namespace binding.
import type { GalleryApi } from "./gallery-api.ts";

/** A value SQLite hands back or takes: BLOBs arrive as ArrayBuffer. */
export type SqlValue = string | number | null | ArrayBuffer;

/** `ctx.storage.sql.exec(...)`'s cursor: iterable rows, consumed lazily. */
export interface SqlCursor<Row> extends Iterable<Row> {
  toArray(): Row[];
  one(): Row;
  /** The rows as arrays of column values (no per-row object with column names). */
  raw<T extends SqlValue[] = SqlValue[]>(): IterableIterator<T>;
  readonly rowsWritten: number;
}

/** `ctx.storage.sql` of a SQLite-backed Durable Object. */
export interface SqlStorage {
  exec<Row = Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<Row>;
  readonly databaseSize: number;
}

/** The parts of a Durable Object's `ctx.storage` the gallery uses. */
export interface GalleryStorage {
  sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
}

/** An RPC stub: every method of `T` becomes async. */
export type Stub<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** The `GALLERIES` Durable Object namespace binding. */
export interface GalleryNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): Stub<GalleryApi>;
}
