// Keras' `image_dataset_from_directory(validation_split, subset, seed)` split, reproduced exactly:
// the file list (class folders in order, files sorted within each) is shuffled with
// `np.random.RandomState(seed).shuffle` and the last `int(validation_split × n)` files are validation.
// numpy's legacy RandomState is MT19937 seeded by init_genrand, and its shuffle is Fisher–Yates from the
// end drawing j in [0, i] by masked rejection sampling on 32-bit outputs (numpy's random_interval).

/** numpy's legacy MT19937 (`np.random.RandomState(seed)`) 32-bit output stream. */
export function mt19937(seed: number): () => number {
  const mt = new Uint32Array(624);
  mt[0] = seed >>> 0;
  for (let i = 1; i < 624; i++) {
    const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    // 1812433253 · prev + i, modulo 2³², without losing bits to float64.
    mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
  }
  let pos = 624;
  return () => {
    if (pos >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      pos = 0;
    }
    let y = mt[pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
}

/** `np.random.RandomState(seed).shuffle(list)`, in place (inputs up to 2³² items). */
export function numpyShuffle<T>(items: T[], seed: number): T[] {
  const next = mt19937(seed);
  for (let i = items.length - 1; i > 0; i--) {
    let mask = i;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let j: number;
    do j = (next() & mask) >>> 0;
    while (j > i);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/**
 * Indices of Keras' training and validation subsets for `fileCount` files listed in Keras' order
 * (class folders in order, file names sorted by code point within each), in Keras' shuffled order.
 * Duplicate-blind and not stratified, like Keras.
 *
 * @example
 * const { validationIndices } = kerasSplit(1533, 0.1, 123); // the tutorial's 153 validation files
 */
export function kerasSplit(
  fileCount: number,
  validationSplit: number,
  seed: number,
): { trainIndices: number[]; validationIndices: number[] } {
  const order = numpyShuffle(
    Array.from({ length: fileCount }, (_, i) => i),
    seed,
  );
  // Python's int() truncates; the float product is the same IEEE double as here.
  const valCount = Math.trunc(validationSplit * fileCount);
  return {
    trainIndices: order.slice(0, fileCount - valCount),
    validationIndices: order.slice(fileCount - valCount),
  };
}
