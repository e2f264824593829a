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

/**
 * Keras-style layer names (`conv2d`, `conv2d_1`, …) unique within one model. tfjs' own defaults carry a
 * process-wide counter (`conv2d_Conv2D7`), which would make weight names depend on how many models were
 * built before; these do not.
 */
export function kerasNamer(): (base: string) => string {
  const seen = new Map<string, number>();
  return (base) => {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
}
