// What the worker asks a gallery's Durable Object over RPC. Errors come back as values, not
// exceptions: a thrown MarqueeError loses its class (and code) crossing the RPC boundary.
import type { EmbedderId, ErrorCode, FractionBox, GalleryMatch, GalleryPerson } from "@marquee/shared";

/** An RPC answer: the value, or an error the route turns into `{ error: { code, message } }`. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** Limits the worker passes with every write (from wrangler.toml vars). */
export interface WriteLimits {
  maxFacesPerPerson: number;
  maxPeople: number;
}

/** One face to store: its embedding (unit length for enrolled photos) and where it was. */
export interface FaceToStore {
  embedding: Float32Array;
  box?: FractionBox | null;
  createdAt?: string;
}

/** One stored face as an export page returns it. */
export interface StoredFace {
  id: number;
  person: string;
  embedding: Float32Array;
  box: FractionBox | null;
  createdAt: string;
}

/** The Durable Object's RPC surface (implemented by GalleryObject over GalleryStore). */
export interface GalleryApi {
  /** Enrol faces for one person, atomically (all or none). */
  addFaces(input: {
    gallery: string;
    person: string;
    embedder: EmbedderId;
    faces: FaceToStore[];
    limits: WriteLimits;
  }): Result<{ faces: { id: number; box: FractionBox | null }[]; total: number }>;
  /** Every person with their face count, by name. */
  listPeople(): { people: GalleryPerson[]; embedder: EmbedderId | null };
  /** Remove a person and every face of theirs. */
  deletePerson(person: string): Result<{ removed: number }>;
  /** Remove one face of a person. */
  deleteFace(person: string, id: number): Result<{ remaining: number }>;
  /** The `topK` nearest people of each query embedding (exact search). */
  identify(input: {
    gallery: string;
    embedder: EmbedderId;
    queries: Float32Array[];
    topK: number;
    /** Galleries of at most this many faces are searched in a packed in-memory copy. */
    memoryFaces: number;
  }): Result<{ matches: GalleryMatch[][]; searched: number }>;
  /** Up to `limit` faces after `after`, ordered by person then id (export streams these pages). */
  exportPage(
    after: { person: string; id: number } | null,
    limit: number,
  ): { embedder: EmbedderId | null; faces: StoredFace[] };
  /** Add (or, with `replace`, replace everything with) the people of an export, atomically. */
  importPeople(input: {
    gallery: string;
    embedder: EmbedderId;
    people: { person: string; faces: FaceToStore[] }[];
    replace: boolean;
    limits: WriteLimits;
  }): Result<{ people: number; added: number; total: number }>;
  /** Counts and the SQLite file size (for /health-like checks and the benchmark). */
  stats(): { people: number; faces: number; databaseBytes: number };
}
