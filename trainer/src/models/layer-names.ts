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
