import { expect, it } from "vitest";
import { ExactScanSearch, PackedSearch, type SearchRow } from "./search.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function unit(random: () => number, n = 16): Float32Array {
  const v = Float32Array.from({ length: n }, () => random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

it("finds each person's nearest face exactly, across page boundaries, best first", () => {
  const random = rng(7);
  const rows: SearchRow[] = Array.from({ length: 1000 }, (_, i) => ({
    id: i + 1,
    person: `p${i % 37}`,
    embedding: unit(random),
  }));
  const pages: number[] = [];
  const search = new ExactScanSearch((after, limit) => {
    pages.push(after);
    return rows.filter((r) => r.id > after).slice(0, limit);
  }, 64);
  const queries = [unit(random), unit(random)];
  const { matches, searched } = search.search(queries, 5);
  expect(searched).toBe(1000);
  // 1000 rows in pages of 64: 16 reads, the last one short, so no extra empty read.
  expect(pages.length).toBe(16);
  queries.forEach((q, qi) => {
    // Brute force: each person's minimum distance.
    const best = new Map<string, number>();
    for (const r of rows) {
      const d = Math.sqrt(r.embedding.reduce((s, x, i) => s + (x - (q[i] as number)) ** 2, 0));
      best.set(r.person, Math.min(best.get(r.person) ?? Infinity, d));
    }
    const expected = [...best].sort((a, b) => a[1] - b[1]).slice(0, 5);
    const got = matches[qi] ?? [];
    expect(got.map((m) => m.person)).toEqual(expected.map(([p]) => p));
    got.forEach((m, i) => {
      expect(m.distance).toBeCloseTo(expected[i]?.[1] as number, 5);
      expect(m.similarity).toBeCloseTo(1 - m.distance ** 2 / 2, 5);
    });
  });
});

it("answers an empty gallery with no matches", () => {
  const search = new ExactScanSearch(() => []);
  expect(search.search([new Float32Array([1, 0])], 3)).toEqual({ matches: [[]], searched: 0 });
});

it("the packed copy answers exactly as the scan, kept in step with additions, within its capacity", () => {
  const random = rng(11);
  const rows: SearchRow[] = Array.from({ length: 300 }, (_, i) => ({
    id: i + 1,
    person: `p${i % 23}`,
    embedding: unit(random).map((x) => x * (0.8 + 0.2 * random())),
  }));
  const pager = (after: number, limit: number) => rows.filter((r) => r.id > after).slice(0, limit);
  const packed = PackedSearch.build((a, l) => pager(a, l).filter((r) => r.id <= 200), 16, 300, 50);
  expect(packed?.count).toBe(200);
  expect(packed?.add(rows.slice(200))).toBe(true);
  const queries = [unit(random), unit(random), unit(random)];
  const scan = new ExactScanSearch(pager, 64).search(queries, 7);
  const fast = packed?.search(queries, 7);
  expect(fast?.searched).toBe(300);
  fast?.matches.forEach((list, q) => {
    expect(list.map((m) => m.person)).toEqual(scan.matches[q]?.map((m) => m.person));
    list.forEach((m, i) => {
      expect(m.distance).toBeCloseTo(scan.matches[q]?.[i]?.distance as number, 5);
      expect(m.similarity).toBeCloseTo(scan.matches[q]?.[i]?.similarity as number, 5);
    });
  });
  expect(packed?.add([rows[0] as SearchRow])).toBe(false);
  expect(PackedSearch.build(pager, 16, 299, 50)).toBeNull();
});
