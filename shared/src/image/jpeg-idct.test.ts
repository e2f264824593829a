import { expect, it } from "vitest";
import { idctDcOnly, idctReference, idctScaled } from "./jpeg-idct.ts";

it("the fast scaled IDCTs equal the plain matrix product (within rounding)", () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (const s of [1, 2, 4, 8]) {
    for (let trial = 0; trial < 200; trial++) {
      const block = new Float64Array(64);
      const nonZero = 1 + Math.floor(random() * 20);
      for (let i = 0; i < nonZero; i++)
        block[Math.floor(random() * random() * 64)] = Math.round((random() - 0.5) * 600);
      const fast = new Uint8Array(64);
      const ref = new Uint8Array(64);
      idctScaled(block, s, fast, 0, 8);
      idctReference(block, s, ref, 0, 8);
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++)
          expect(Math.abs(fast[y * 8 + x]! - ref[y * 8 + x]!)).toBeLessThanOrEqual(1);
      }
    }
  }
});

it("a block without low AC coefficients is one flat colour, as idctDcOnly writes it", () => {
  for (const s of [1, 2, 4, 8]) {
    for (const dc of [-1030, -4, 0, 4, 12, 501, 1100]) {
      const block = new Float64Array(64);
      block[0] = dc;
      const ref = new Uint8Array(64);
      idctReference(block, s, ref, 0, 8);
      // A coefficient the s×s output never reads (u = s) must not change it.
      if (s < 8) block[s] = 37;
      const scaled = new Uint8Array(64);
      const flat = new Uint8Array(64);
      idctScaled(block, s, scaled, 0, 8);
      idctDcOnly(dc, s, flat, 0, 8);
      expect(Array.from(scaled)).toEqual(Array.from(flat));
      for (let i = 0; i < 64; i++) expect(Math.abs(scaled[i]! - ref[i]!)).toBeLessThanOrEqual(1);
    }
  }
});
