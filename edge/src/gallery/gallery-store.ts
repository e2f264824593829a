import type { EmbedderId, FractionBox, GalleryPerson } from "@marquee/shared";
import type { GalleryStorage } from "./bindings.ts";
import type { FaceToStore, GalleryApi, Result, StoredFace, WriteLimits } from "./gallery-api.ts";
import { ExactScanSearch, type FaceSearch, PackedSearch, type SearchRow } from "./search.ts";

// Schema of one gallery's SQLite database. Embeddings are float32 BLOBs; no photo is ever stored.
// Each face row records its embedder, and `meta.embedder` the gallery's (they always agree: a
// write with another embedder is refused).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS people (
  name TEXT PRIMARY KEY,
  faces INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person TEXT NOT NULL REFERENCES people(name),
  embedding BLOB NOT NULL,
  embedder TEXT NOT NULL,
  embedder_version TEXT NOT NULL,
  box TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS faces_by_person ON faces(person);
`;

type FaceRow = { id: number; person: string; embedding: ArrayBuffer; box: string | null; created_at: string };

/**
 * One gallery's data in a Durable Object's SQLite storage. Every method is synchronous (SQLite in
 * a Durable Object is), so one call never interleaves with another: concurrent enrolments into one
 * person are serialised by the object and none is lost. Multi-statement writes run in one transaction.
 */
export class GalleryStore implements GalleryApi {
  private readonly searcher: FaceSearch;
  /** Packed copy of the embeddings while the gallery is small enough (see identify). */
  private packed: PackedSearch | null = null;

  constructor(private readonly storage: GalleryStorage) {
    storage.sql.exec(SCHEMA);
    this.searcher = new ExactScanSearch((afterId, limit) => this.page(afterId, limit));
  }

  addFaces(input: Parameters<GalleryApi["addFaces"]>[0]): ReturnType<GalleryApi["addFaces"]> {
    const result = this.storage.transactionSync((): ReturnType<GalleryApi["addFaces"]> => {
      const refused = this.checkEmbedder(input.gallery, input.embedder, true);
      if (refused) return refused;
      const limit = this.checkLimits(input.person, input.faces.length, input.limits);
      if (limit) return limit;
      const now = new Date().toISOString();
      const faces = input.faces.map((face) => ({
        id: this.insertFace(input.person, face, input.embedder, now),
        box: face.box ?? null,
      }));
      const total = this.touchPerson(input.person, now);
      return ok({ faces, total });
    });
    if (result.ok) {
      this.keepPacked(
        result.value.faces.map((f, i) => ({
          id: f.id,
          person: input.person,
          embedding: input.faces[i]?.embedding as Float32Array,
        })),
      );
    }
    return result;
  }

  listPeople(): ReturnType<GalleryApi["listPeople"]> {
    const people = this.storage.sql
      .exec<{ name: string; faces: number; updated_at: string }>(
        "SELECT name, faces, updated_at FROM people ORDER BY name",
      )
      .toArray()
      .map((r): GalleryPerson => ({ person: r.name, faces: r.faces, updatedAt: r.updated_at }));
    return { people, embedder: this.embedder() };
  }

  deletePerson(person: string): ReturnType<GalleryApi["deletePerson"]> {
    this.packed = null;
    return this.storage.transactionSync(() => {
      const removed = this.storage.sql.exec("DELETE FROM faces WHERE person = ?", person).rowsWritten;
      const gone = this.storage.sql.exec("DELETE FROM people WHERE name = ?", person).rowsWritten;
      if (gone === 0) return notFound(`No person "${person}" in this gallery.`);
      return ok({ removed });
    });
  }

  deleteFace(person: string, id: number): ReturnType<GalleryApi["deleteFace"]> {
    this.packed = null;
    return this.storage.transactionSync(() => {
      const gone = this.storage.sql.exec(
        "DELETE FROM faces WHERE id = ? AND person = ?",
        id,
        person,
      ).rowsWritten;
      if (gone === 0) return notFound(`Person "${person}" has no face ${id} in this gallery.`);
      const remaining = this.touchPerson(person, new Date().toISOString());
      return ok({ remaining });
    });
  }

  identify(input: Parameters<GalleryApi["identify"]>[0]): ReturnType<GalleryApi["identify"]> {
    const refused = this.checkEmbedder(input.gallery, input.embedder, false);
    if (refused) return refused;
    // Galleries of up to `memoryFaces` faces are searched in a packed in-memory copy (~50× faster
    // than reading rows through SQLite); larger ones are scanned from SQLite page by page, so
    // memory stays bounded whatever their size. Both are exact.
    if (this.packed && this.packed.capacity !== input.memoryFaces) this.packed = null;
    if (!this.packed && this.countFaces() <= input.memoryFaces) {
      this.packed = PackedSearch.build(
        (after, limit) => this.page(after, limit),
        input.embedder.dimensions,
        input.memoryFaces,
      );
    }
    return ok((this.packed ?? this.searcher).search(input.queries, input.topK));
  }

  exportPage(
    after: { person: string; id: number } | null,
    limit: number,
  ): ReturnType<GalleryApi["exportPage"]> {
    const faces = this.storage.sql
      .exec<FaceRow>(
        "SELECT id, person, embedding, box, created_at FROM faces WHERE person > ? OR (person = ? AND id > ?) ORDER BY person, id LIMIT ?",
        after?.person ?? "",
        after?.person ?? "",
        after?.id ?? 0,
        limit,
      )
      .toArray()
      .map(
        (r): StoredFace => ({
          id: r.id,
          person: r.person,
          embedding: new Float32Array(r.embedding),
          box: r.box === null ? null : (JSON.parse(r.box) as FractionBox),
          createdAt: r.created_at,
        }),
      );
    return { embedder: this.embedder(), faces };
  }

  importPeople(input: Parameters<GalleryApi["importPeople"]>[0]): ReturnType<GalleryApi["importPeople"]> {
    // Simplest correct course for the packed copy: rebuild it on the next identify.
    this.packed = null;
    try {
      return this.importInTransaction(input);
    } catch (err) {
      if (err instanceof ImportRefused) return err.result;
      throw err;
    }
  }

  private importInTransaction(
    input: Parameters<GalleryApi["importPeople"]>[0],
  ): ReturnType<GalleryApi["importPeople"]> {
    return this.storage.transactionSync(() => {
      if (input.replace) {
        this.storage.sql.exec("DELETE FROM faces");
        this.storage.sql.exec("DELETE FROM people");
        this.storage.sql.exec("DELETE FROM meta WHERE key = 'embedder'");
      }
      const refused = this.checkEmbedder(input.gallery, input.embedder, true);
      if (refused) throw new ImportRefused(refused);
      const now = new Date().toISOString();
      let added = 0;
      for (const { person, faces } of input.people) {
        const limit = this.checkLimits(person, faces.length, input.limits);
        // Throwing rolls the whole transaction back: an import is all or nothing.
        if (limit) throw new ImportRefused(limit);
        for (const face of faces) this.insertFace(person, face, input.embedder, face.createdAt ?? now);
        this.touchPerson(person, now);
        added += faces.length;
      }
      return ok({ people: input.people.length, added, total: this.countFaces() });
    });
  }

  stats(): ReturnType<GalleryApi["stats"]> {
    const people = this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM people").one().n;
    return { people, faces: this.countFaces(), databaseBytes: this.storage.sql.databaseSize };
  }

  /** Add freshly stored faces to the packed copy, or drop it when they no longer fit. */
  private keepPacked(rows: SearchRow[]): void {
    if (this.packed && !this.packed.add(rows)) this.packed = null;
  }

  private page(afterId: number, limit: number): SearchRow[] {
    const rows: SearchRow[] = [];
    // raw(): arrays rather than an object per row, measurably cheaper over 100k rows.
    const cursor = this.storage.sql.exec(
      "SELECT id, person, embedding FROM faces WHERE id > ? ORDER BY id LIMIT ?",
      afterId,
      limit,
    );
    for (const [id, person, embedding] of cursor.raw<[number, string, ArrayBuffer]>()) {
      rows.push({ id, person, embedding: new Float32Array(embedding) });
    }
    return rows;
  }

  private insertFace(person: string, face: FaceToStore, embedder: EmbedderId, now: string): number {
    const blob = face.embedding.slice().buffer as ArrayBuffer;
    this.storage.sql.exec(
      "INSERT INTO people (name, faces, updated_at) VALUES (?, 0, ?) ON CONFLICT(name) DO NOTHING",
      person,
      now,
    );
    return this.storage.sql
      .exec<{ id: number }>(
        "INSERT INTO faces (person, embedding, embedder, embedder_version, box, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        person,
        blob,
        embedder.name,
        embedder.version,
        face.box ? JSON.stringify(face.box) : null,
        face.createdAt ?? now,
      )
      .one().id;
  }

  /** Recount a person's faces; a person left without faces is removed. Returns the count. */
  private touchPerson(person: string, now: string): number {
    const n = this.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM faces WHERE person = ?", person)
      .one().n;
    if (n === 0) this.storage.sql.exec("DELETE FROM people WHERE name = ?", person);
    else this.storage.sql.exec("UPDATE people SET faces = ?, updated_at = ? WHERE name = ?", n, now, person);
    return n;
  }

  private checkLimits(person: string, adding: number, limits: WriteLimits): Result<never> | null {
    const row = this.storage.sql
      .exec<{ faces: number }>("SELECT faces FROM people WHERE name = ?", person)
      .toArray()[0];
    const has = row?.faces ?? 0;
    if (has + adding > limits.maxFacesPerPerson) {
      return fail(
        "limit_exceeded",
        `"${person}" has ${has} face(s); adding ${adding} would pass the limit of ${limits.maxFacesPerPerson} per person (GALLERY_MAX_FACES_PER_PERSON). Delete some first.`,
      );
    }
    if (!row) {
      const people = this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM people").one().n;
      if (people + 1 > limits.maxPeople) {
        return fail(
          "limit_exceeded",
          `The gallery holds ${people} people, its limit (GALLERY_MAX_PEOPLE); delete someone or use another gallery.`,
        );
      }
    }
    return null;
  }

  private embedder(): EmbedderId | null {
    const row = this.storage.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'embedder'")
      .toArray()[0];
    return row ? (JSON.parse(row.value) as EmbedderId) : null;
  }

  /** Refuse an embedder other than the gallery's; a write into an empty gallery adopts it. */
  private checkEmbedder(gallery: string, embedder: EmbedderId, adopt: boolean): Result<never> | null {
    const current = this.embedder();
    if (current && this.countFaces() > 0 && !sameEmbedder(current, embedder)) {
      return fail(
        "embedder_mismatch",
        `Gallery "${gallery}" holds embeddings made by ${describe(current)}; this request's come from ${describe(embedder)}. Embeddings of different networks cannot be compared: re-enrol the photos into a new gallery (or serve the gallery's embedder again).`,
      );
    }
    if (adopt && (!current || !sameEmbedder(current, embedder))) {
      this.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('embedder', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        JSON.stringify(embedder),
      );
    }
    return null;
  }

  private countFaces(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM faces").one().n;
  }
}

/** Thrown inside an import's transaction to roll it back; carries the refusal. */
export class ImportRefused extends Error {
  constructor(readonly result: Result<never>) {
    super("import refused");
  }
}

function sameEmbedder(a: EmbedderId, b: EmbedderId): boolean {
  return a.name === b.name && a.version === b.version && a.dimensions === b.dimensions;
}

function describe(e: EmbedderId): string {
  return `${e.name} ${e.version} (${e.dimensions}-d)`;
}

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

function fail(code: "limit_exceeded" | "embedder_mismatch", message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

function notFound(message: string): Result<never> {
  return { ok: false, error: { code: "not_found", message } };
}
