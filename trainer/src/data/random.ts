/**
 * A small seeded PRNG (mulberry32) so splits and shuffles are reproducible across
 * machines and Node versions; Math.random cannot be seeded.
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
