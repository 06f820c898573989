/**
 * Maps over `items` with at most `limit` calls in flight. Unbounded Promise.all over a site's files
 * opens them all at once and fails with EMFILE past the process's descriptor limit (seen at 20,000).
 */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many files a reader or writer keeps open at once. */
export const FILE_CONCURRENCY = 64;
