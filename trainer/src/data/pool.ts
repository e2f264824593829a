/**
 * Run `work` over `items` with at most `concurrency` calls in flight, preserving
 * result order. Keeps file I/O overlapped without opening 100k files at once.
 *
 * @example
 * const sizes = await mapWithConcurrency(paths, 8, (p) => stat(p).then((s) => s.size));
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}
