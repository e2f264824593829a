import type { GalleryMatch } from "@marquee/shared";

/** A stored face as the search reads it. */
export interface SearchRow {
  id: number;
  person: string;
  embedding: Float32Array;
}

/**
 * Nearest-person search over a gallery's embeddings. The Durable Object uses the exact scan
 * below; a gallery of millions would implement this over Vectorize (edge/README.md, "Galleries").
 */
export interface FaceSearch {
  /** For each query, the `topK` people whose nearest face is closest, best first. */
  search(queries: Float32Array[], topK: number): { matches: GalleryMatch[][]; searched: number };
}

/** Reads stored faces in id order: up to `limit` rows with id > `afterId`. */
export type RowPager = (afterId: number, limit: number) => SearchRow[];

/** Rows read per page: 2,048 × 128 floats is 1 MiB of embeddings in memory at a time. */
export const SCAN_CHUNK_ROWS = 2048;

/**
 * Exact nearest-neighbour search: reads every stored face in pages of {@link SCAN_CHUNK_ROWS}
 * (memory stays bounded whatever the gallery's size) and keeps, per query, each person's nearest
 * face. Distance is euclidean between the query (unit length) and the stored vector; similarity
 * is their cosine.
 *
 * @example
 * new ExactScanSearch(pager).search([query], 3).matches[0]; // [{ person, distance, similarity }, …]
 */
export class ExactScanSearch implements FaceSearch {
  constructor(
    private readonly pager: RowPager,
    private readonly chunkRows = SCAN_CHUNK_ROWS,
  ) {}

  search(queries: Float32Array[], topK: number): { matches: GalleryMatch[][]; searched: number } {
    const norms = queries.map((q) => dot(q, q));
    const best = queries.map(() => new Map<string, { d2: number; cos: number }>());
    let searched = 0;
    let afterId = 0;
    for (;;) {
      const rows = this.pager(afterId, this.chunkRows);
      for (const row of rows) {
        const e = row.embedding;
        const ee = dot(e, e);
        for (let q = 0; q < queries.length; q++) {
          const query = queries[q] as Float32Array;
          const qe = dot(query, e);
          const qq = norms[q] as number;
          const d2 = Math.max(0, qq + ee - 2 * qe);
          const people = best[q] as Map<string, { d2: number; cos: number }>;
          const seen = people.get(row.person);
          if (!seen || d2 < seen.d2) people.set(row.person, { d2, cos: qe / (Math.sqrt(qq * ee) || 1) });
        }
      }
      searched += rows.length;
      if (rows.length < this.chunkRows) break;
      afterId = (rows[rows.length - 1] as SearchRow).id;
    }
    const matches = best.map((people) =>
      [...people]
        .sort((a, b) => a[1].d2 - b[1].d2 || (a[0] < b[0] ? -1 : 1))
        .slice(0, topK)
        .map(([person, { d2, cos }]) => ({ person, distance: round(Math.sqrt(d2)), similarity: round(cos) })),
    );
    return { matches, searched };
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Exact search over a copy of the gallery's embeddings packed in one Float32Array, for galleries
 * of at most `capacity` faces (GalleryStore decides; larger ones use {@link ExactScanSearch}).
 * Reading 10,000 rows through SQLite costs ~10 µs each; the packed scan costs ~0.2 µs. Filled
 * from the pager once, then kept in step with additions; a deletion drops it (it is rebuilt on
 * the next search).
 */
export class PackedSearch implements FaceSearch {
  private vectors: Float32Array;
  private norms: Float32Array;
  private owners: Int32Array;
  private size = 0;
  private readonly people: string[] = [];
  private readonly personIndex = new Map<string, number>();

  constructor(
    private readonly dimensions: number,
    readonly capacity: number,
  ) {
    const initial = Math.min(capacity, 1024);
    this.vectors = new Float32Array(initial * dimensions);
    this.norms = new Float32Array(initial);
    this.owners = new Int32Array(initial);
  }

  /** Build from every stored face, page by page. Null when there are more than `capacity`. */
  static build(
    pager: RowPager,
    dimensions: number,
    capacity: number,
    chunkRows = SCAN_CHUNK_ROWS,
  ): PackedSearch | null {
    const packed = new PackedSearch(dimensions, capacity);
    let afterId = 0;
    for (;;) {
      const rows = pager(afterId, chunkRows);
      if (!packed.add(rows)) return null;
      if (rows.length < chunkRows) return packed;
      afterId = (rows[rows.length - 1] as SearchRow).id;
    }
  }

  /** Faces held. */
  get count(): number {
    return this.size;
  }

  /** Append faces; false (and nothing added) when they would pass the capacity. */
  add(rows: readonly SearchRow[]): boolean {
    if (this.size + rows.length > this.capacity) return false;
    this.reserve(this.size + rows.length);
    const dims = this.dimensions;
    for (const row of rows) {
      let owner = this.personIndex.get(row.person);
      if (owner === undefined) {
        owner = this.people.length;
        this.people.push(row.person);
        this.personIndex.set(row.person, owner);
      }
      this.vectors.set(row.embedding.subarray(0, dims), this.size * dims);
      this.norms[this.size] = dot(row.embedding, row.embedding);
      this.owners[this.size] = owner;
      this.size++;
    }
    return true;
  }

  search(queries: Float32Array[], topK: number): { matches: GalleryMatch[][]; searched: number } {
    const dims = this.dimensions;
    const v = this.vectors;
    const matches = queries.map((query) => {
      const qq = dot(query, query);
      const bestD2 = new Float64Array(this.people.length).fill(Number.POSITIVE_INFINITY);
      const bestCos = new Float64Array(this.people.length);
      for (let r = 0; r < this.size; r++) {
        const base = r * dims;
        let qe = 0;
        for (let i = 0; i < dims; i++) qe += (query[i] as number) * (v[base + i] as number);
        const ee = this.norms[r] as number;
        const d2 = Math.max(0, qq + ee - 2 * qe);
        const owner = this.owners[r] as number;
        if (d2 < (bestD2[owner] as number)) {
          bestD2[owner] = d2;
          bestCos[owner] = qe / (Math.sqrt(qq * ee) || 1);
        }
      }
      const order: number[] = [];
      for (let p = 0; p < this.people.length; p++) if (Number.isFinite(bestD2[p] as number)) order.push(p);
      order.sort(
        (a, b) =>
          (bestD2[a] as number) - (bestD2[b] as number) ||
          ((this.people[a] as string) < (this.people[b] as string) ? -1 : 1),
      );
      return order.slice(0, topK).map((p) => ({
        person: this.people[p] as string,
        distance: round(Math.sqrt(bestD2[p] as number)),
        similarity: round(bestCos[p] as number),
      }));
    });
    return { matches, searched: this.size };
  }

  private reserve(rows: number): void {
    if (rows <= this.norms.length) return;
    const next = Math.min(this.capacity, Math.max(rows, this.norms.length * 2));
    const vectors = new Float32Array(next * this.dimensions);
    vectors.set(this.vectors.subarray(0, this.size * this.dimensions));
    const norms = new Float32Array(next);
    norms.set(this.norms.subarray(0, this.size));
    const owners = new Int32Array(next);
    owners.set(this.owners.subarray(0, this.size));
    this.vectors = vectors;
    this.norms = norms;
    this.owners = owners;
  }
}
