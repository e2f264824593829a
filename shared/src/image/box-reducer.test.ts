import { describe, expect, it } from "vitest";
import { AreaReducer, BoxReducer } from "./box-reducer.ts";

function feed(reducer: { addRow(y: number, rgb: Uint8Array): void }, width: number, rows: number[][]): void {
  rows.forEach((row, y) => {
    const rgb = new Uint8Array(width * 3);
    row.forEach((v, x) => {
      rgb.fill(v, x * 3, x * 3 + 3);
    });
    reducer.addRow(y, rgb);
  });
}

describe("AreaReducer", () => {
  it("averages each output cell's area, splitting pixels that straddle two cells", () => {
    // 3×3 → 2×2: each output cell covers 1.5 × 1.5 source pixels.
    const src = [
      [0, 30, 60],
      [90, 120, 150],
      [180, 210, 240],
    ];
    const reducer = new AreaReducer(3, 3, 2, 2);
    feed(reducer, 3, src);
    const out = reducer.finish();
    expect([out.width, out.height]).toEqual([2, 2]);
    // Top-left cell: rows 0 (weight 1) and 1 (0.5), columns 0 (1) and 1 (0.5) → weights 1, .5, .5, .25.
    const topLeft = (0 * 1 + 30 * 0.5 + 90 * 0.5 + 120 * 0.25) / 2.25;
    expect(out.data[0]).toBe(Math.round(topLeft));
    const bottomRight = (120 * 0.25 + 150 * 0.5 + 210 * 0.5 + 240 * 1) / 2.25;
    expect(out.data[(1 * 2 + 1) * 3]).toBe(Math.round(bottomRight));
  });

  it("keeps a flat image flat and equals BoxReducer for a whole factor", () => {
    const width = 12;
    const rows = Array.from({ length: 9 }, (_, y) =>
      Array.from({ length: width }, (_, x) => (x * 7 + y * 13) % 256),
    );
    const area = new AreaReducer(width, 9, 4, 3);
    const box = new BoxReducer(width, 9, 3);
    feed(area, width, rows);
    feed(box, width, rows);
    expect(Array.from(area.finish().data)).toEqual(Array.from(box.finish().data));
    const flat = new AreaReducer(2000, 15, 1334, 10);
    feed(
      flat,
      2000,
      Array.from({ length: 15 }, () => Array(2000).fill(77)),
    );
    expect(new Set(flat.finish().data)).toEqual(new Set([77]));
  });

  it("matches the area-weighted mean computed pixel by pixel, for factors below and above 2", () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    // 2000 → 1334 is the decoder's 1.5× case; 23 → 6 (≈3.8×) has cells of up to 5 source columns.
    for (const [sw, sh, w, h] of [
      [2000, 7, 1334, 5],
      [23, 17, 6, 4],
      [9, 5, 7, 5],
    ] as const) {
      const rows = Array.from({ length: sh }, () =>
        Array.from({ length: sw }, () => Math.floor(random() * 256)),
      );
      const reducer = new AreaReducer(sw, sh, w, h);
      feed(reducer, sw, rows);
      const out = reducer.finish();
      const rx = sw / w;
      const ry = sh / h;
      // The overlap of source pixel [x, x + 1) with output cell [o·r, (o + 1)·r).
      const overlap = (x: number, o: number, r: number) =>
        Math.max(0, Math.min(x + 1, (o + 1) * r) - Math.max(x, o * r));
      for (let oy = 0; oy < h; oy++) {
        for (let ox = 0; ox < w; ox++) {
          let sum = 0;
          for (let y = Math.floor(oy * ry); y < Math.min(sh, Math.ceil((oy + 1) * ry)); y++) {
            for (let x = Math.floor(ox * rx); x < Math.min(sw, Math.ceil((ox + 1) * rx)); x++)
              sum += overlap(x, ox, rx) * overlap(y, oy, ry) * rows[y]![x]!;
          }
          const mean = sum / (rx * ry);
          expect(Math.abs(out.data[(oy * w + ox) * 3]! - mean)).toBeLessThanOrEqual(0.5 + 1e-4);
        }
      }
    }
  });

  it("refuses rows out of order, a missing row and an enlargement", () => {
    const reducer = new AreaReducer(3, 3, 2, 2);
    expect(() => reducer.addRow(1, new Uint8Array(9))).toThrow(/row 1 arrived, expected 0/);
    reducer.addRow(0, new Uint8Array(9));
    expect(() => reducer.finish()).toThrow(/1 of 3 rows/);
    expect(() => new AreaReducer(3, 3, 4, 2)).toThrow(/cannot reduce 3×3 to 4×2/);
  });
});
