import { decodeImage } from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../util/random.ts";
import { findCrossDuplicates, findDuplicates, nearPairsWithin, type PerceptualHashes } from "./duplicates.ts";
import { dctHash, differenceHash, hammingDistance, hashWords, popcount32 } from "./perceptual-hash.ts";
import { makeImage, reencode } from "./test-support.ts";
import type { DatasetFile } from "./types.ts";
import { UnionFind } from "./union-find.ts";

async function hashesOf(bytes: Uint8Array): Promise<PerceptualHashes> {
  const { image } = await decodeImage(bytes);
  return { dct: dctHash(image), difference: differenceHash(image) };
}

function fileFor(i: number, sha: string, classIndex = 0): DatasetFile {
  return { path: `/d/${i}.jpg`, classIndex, bytes: 1, sha256: sha, format: "jpeg", width: 1, height: 1 };
}

beforeAll(() => useNodeWasmDecoders());

describe("perceptual hashes", () => {
  it("stay close for re-encoded and resized copies and far for different images", async () => {
    const original = await makeImage(11, { width: 200, height: 160 });
    const h = await hashesOf(original);
    const lowQuality = await hashesOf(await reencode(original, { quality: 35 }));
    const smaller = await hashesOf(await reencode(original, { quality: 80, scale: 0.6 }));
    expect(hammingDistance(h.dct, lowQuality.dct)).toBeLessThanOrEqual(4);
    expect(hammingDistance(h.dct, smaller.dct)).toBeLessThanOrEqual(4);
    let closestOther = 64;
    for (let seed = 100; seed < 120; seed++) {
      const other = await hashesOf(await makeImage(seed, { width: 200, height: 160 }));
      closestOther = Math.min(closestOther, hammingDistance(h.dct, other.dct));
    }
    expect(closestOther).toBeGreaterThan(8);
  });

  it("popcount and Hamming distance count bits", () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
    expect(hammingDistance("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hammingDistance("0123456789abcdef", "0123456789abcdee")).toBe(1);
  });
});

describe("findDuplicates", () => {
  it("groups byte-identical and near-identical files, and flags cross-class groups", async () => {
    const a = await makeImage(1, { width: 160, height: 128 });
    const b = await makeImage(2, { width: 160, height: 128 });
    const aNear = await reencode(a, { quality: 50, scale: 0.9 });
    const c = await makeImage(3, { width: 160, height: 128 });
    const contents = [a, a, aNear, b, c, b];
    const classes = [0, 0, 0, 1, 1, 0];
    const files = contents.map((bytes, i) =>
      fileFor(i, `${contents.indexOf(bytes)}`.padEnd(64, "0"), classes[i]),
    );
    const hashes = await Promise.all(contents.map((x) => hashesOf(x)));
    const dups = findDuplicates(files, hashes);
    expect(dups.groups.map((g) => g.members)).toEqual([
      [0, 1, 2],
      [3, 5],
    ]);
    expect(dups.groups.map((g) => g.exact)).toEqual([false, true]);
    expect(dups.exactGroups).toBe(1);
    expect(dups.nearGroups).toBe(1);
    expect(dups.filesInDuplicateGroups).toBe(5);
    expect(dups.redundantFiles).toBe(3);
    expect(dups.crossClassGroups.map((g) => g.classIndices)).toEqual([[0, 1]]);
    expect(dups.unitOf[0]).toBe(dups.unitOf[2]);
    expect(dups.unitOf[4]).not.toBe(dups.unitOf[0]);
    expect(dups.unitOf[4]).not.toBe(dups.unitOf[3]);

    const exactOnly = findDuplicates(files, hashes, { hash: "dct", maxDistance: 0 });
    expect(exactOnly.groups.map((g) => g.members)).toEqual([
      [0, 1],
      [3, 5],
    ]);
    expect(findDuplicates(files, null).groups).toHaveLength(2);
  });

  it("joins groups transitively (a~b, b~c ⇒ one group)", () => {
    const files = [0, 1, 2].map((i) => fileFor(i, `${i}`.padEnd(64, "0")));
    const h = (hex: string): PerceptualHashes => ({ dct: hex, difference: hex });
    // a and c differ by 8 bits, each within 4 of b.
    const dups = findDuplicates(
      files,
      [h("0000000000000000"), h("000000000000000f"), h("00000000000000ff")],
      {
        hash: "dct",
        maxDistance: 4,
      },
    );
    expect(dups.groups.map((g) => g.members)).toEqual([[0, 1, 2]]);
  });
});

describe("findCrossDuplicates", () => {
  it("finds photos shared between two datasets, exact and near, but not pairs within one", () => {
    const h = (hex: string): PerceptualHashes => ({ dct: hex, difference: hex });
    const a = [fileFor(0, "a".repeat(64)), fileFor(1, "b".repeat(64)), fileFor(2, "c".repeat(64))];
    const b = [fileFor(3, "d".repeat(64)), fileFor(4, "b".repeat(64)), fileFor(5, "e".repeat(64))];
    const ha = [h("0000000000000000"), h("ffffffffffffffff"), h("0f0f0f0f0f0f0f0f")];
    // b[0] is 3 bits from a[0]; b[1] has a[1]'s bytes; b[2] is far from everything.
    const hb = [h("0000000000000007"), h("ffffffffffffffff"), h("00000000ffffffff")];
    expect(findCrossDuplicates(a, ha, b, hb)).toEqual([
      { a: 0, b: 0, distance: 3, exact: false },
      { a: 1, b: 1, distance: 0, exact: true },
    ]);
  });
});

describe("nearPairsWithin", () => {
  it("the bucketed search finds exactly the pairs brute force finds", () => {
    const rand = seededRandom(5);
    const word = () =>
      Math.floor(rand() * 2 ** 32)
        .toString(16)
        .padStart(8, "0");
    const hashes: string[] = [];
    for (let i = 0; i < 2500; i++) hashes.push(word() + word());
    // Plant near copies: flip up to 6 bits.
    for (let i = 0; i < 300; i++) {
      const src = hashes[Math.floor(rand() * hashes.length)]!;
      let lo = Number.parseInt(src.slice(8), 16);
      const flips = Math.floor(rand() * 7);
      for (let k = 0; k < flips; k++) lo ^= 1 << Math.floor(rand() * 32);
      hashes.push(src.slice(0, 8) + (lo >>> 0).toString(16).padStart(8, "0"));
    }
    const fast = nearPairsWithin(hashes, 6);
    const brute: [number, number, number][] = [];
    const words = hashes.map(hashWords);
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        const d =
          popcount32((words[i]![0] ^ words[j]![0]) >>> 0) + popcount32((words[i]![1] ^ words[j]![1]) >>> 0);
        if (d <= 6) brute.push([i, j, d]);
      }
    }
    expect(brute.length).toBeGreaterThan(250);
    expect(fast).toEqual(brute);
  });
});

describe("UnionFind", () => {
  it("merges sets and lists groups", () => {
    const uf = new UnionFind(6);
    expect(uf.union(0, 1)).toBe(true);
    expect(uf.union(1, 0)).toBe(false);
    uf.union(4, 5);
    uf.union(5, 1);
    expect(uf.groups(2)).toEqual([[0, 1, 4, 5]]);
    expect(uf.groups()).toEqual([[0, 1, 4, 5], [2], [3]]);
  });
});
