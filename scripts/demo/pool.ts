// A fixed-size pool of concurrent async tasks: at most `concurrency` items are in flight, the next one starts as
// soon as one finishes. No queueing library: the bots only need this much.

/**
 * Runs `work` over every item with at most `concurrency` running at once; results keep the items' order.
 * After a task throws no new item starts; the running ones finish, then the first error is rethrown.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(concurrency), items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure) throw failure.error;
  return results;
}
