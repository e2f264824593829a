import { describe, expect, it } from "vitest";
import { kerasSplit, numpyShuffle } from "./keras-split.ts";

// Reference values printed by numpy 2.4.6: `x = list(range(n)); np.random.RandomState(seed).shuffle(x)`,
// with the checksum Σ i·x[i].
describe("Keras' random split (numpy RandomState shuffle)", () => {
  it.each([
    { n: 10, seed: 123, head: [4, 0, 7, 5, 8, 3, 1, 6, 9, 2], tail: [3, 1, 6, 9, 2], checksum: 214 },
    {
      n: 1533,
      seed: 123,
      head: [50, 738, 42, 553, 297, 261, 263, 1040, 947, 155, 410, 1018],
      tail: [1041, 1122, 1346, 1406, 1389],
      checksum: 905518732,
    },
    { n: 7, seed: 0, head: [6, 2, 1, 3, 0, 5, 4], tail: [1, 3, 0, 5, 4], checksum: 62 },
  ])("shuffles $n items with seed $seed as numpy does", ({ n, seed, head, tail, checksum }) => {
    const x = numpyShuffle(
      Array.from({ length: n }, (_, i) => i),
      seed,
    );
    expect(x.slice(0, head.length)).toEqual(head);
    expect(x.slice(-tail.length)).toEqual(tail);
    expect(x.reduce((s, v, i) => s + i * v, 0)).toBe(checksum);
  });

  it("takes the last int(split × n) shuffled files for validation, as Keras does", () => {
    const { trainIndices, validationIndices } = kerasSplit(1533, 0.1, 123);
    expect(validationIndices).toHaveLength(153);
    expect(validationIndices.slice(-5)).toEqual([1041, 1122, 1346, 1406, 1389]);
    expect(trainIndices.slice(0, 3)).toEqual([50, 738, 42]);
    expect(new Set([...trainIndices, ...validationIndices]).size).toBe(1533);
  });
});
