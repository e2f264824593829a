/** Percentile (nearest-rank) of `values`, e.g. `percentile(xs, 95)`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Median of `values`. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Format milliseconds for a table cell. */
export const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "–");
