/**
 * @module
 * Every seeded random choice of the trainer comes from here: a small PRNG (mulberry32) so splits and
 * shuffles are reproducible across machines and Node versions (Math.random cannot be seeded), and
 * {@link deriveSeed} for the seeds of initialisers and dropout masks.
 */

/** A function returning uniform floats in [0, 1). */
export type Random = () => number;

/**
 * Create a seeded random source. Several seeds can be mixed, e.g. `(seed, epoch)`,
 * so each epoch reshuffles differently yet reproducibly.
 *
 * @example
 * const rand = seededRandom(123, epoch);
 * const i = Math.floor(rand() * n);
 */
export function seededRandom(...seeds: number[]): Random {
  let state = 0x9e3779b9;
  for (const s of seeds) {
    // Fold each seed through an integer hash so (1, 2) and (2, 1) give different streams.
    state = Math.imul(state ^ (s | 0), 0x85ebca6b) >>> 0;
    state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35) >>> 0;
    state = (state ^ (state >>> 16)) >>> 0;
  }
  return mulberry32(state);
}

/**
 * The bare mulberry32 generator, seeded with one 32-bit integer as-is (no seed mixing). Use it
 * where a stream must match an existing one exactly, e.g. a fuzz corpus named by its seed.
 *
 * @example
 * const rand = mulberry32(20261127);
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(rand: Random, n: number): number {
  return Math.floor(rand() * n);
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], rand: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rand, i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/**
 * A Fisher–Yates permutation of 0..n-1 determined by `seed` (mulberry32 seeded as-is).
 *
 * @example
 * const order = seededPermutation(train.length, deriveSeed(seed, "shuffle", epoch));
 */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Derive a 31-bit seed from a base seed and any number of integer parts (FNV-1a over their decimal text).
 * Every random choice in training (initialisers, dropout masks) is a pure function of such parts,
 * so a resumed run draws exactly the numbers an uninterrupted one would.
 *
 * @example
 * const dropoutSeed = deriveSeed(123, "dropout", epoch, step, layerIndex);
 */
export function deriveSeed(base: number, ...parts: Array<number | string>): number {
  let hash = 0x811c9dc5;
  for (const part of [base, ...parts]) {
    const text = `${String(part)}\u0000`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  // tf's seedrandom takes any number; keep it a positive int so it prints and serialises cleanly.
  return (hash >>> 1) & 0x7fffffff;
}
