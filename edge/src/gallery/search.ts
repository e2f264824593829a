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
