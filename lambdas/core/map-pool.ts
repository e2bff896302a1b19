// Bounded concurrency for I/O-bound loops (S3 reads, PNG decodes on libuv's pool, ffmpeg processes).

/** Runs `fn` over `items` with at most `concurrency` at a time; results in input order; the first error rejects
 * (after the running ones settle, so no ffmpeg is left behind). */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failed) throw failed.error;
  return results;
}
