import { expect, it } from "vitest";
import { idctReference, idctScaled } from "./jpeg-idct.ts";

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
