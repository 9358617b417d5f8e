// Looks documents up (or updates them) one `_id` at a time, a bounded number at once. On FerretDB 1.24 (SQLite) as
// released, an `_id` equality is the only filter pushed down to an index: an `$in` of ids reads the whole collection,
// so a batch of lookups made with one `$in` costs the collection's size, and a day read in batches costs its square
// (settleflow's own FerretDB build narrows an `$in` too, but the code does not depend on the patch). One bulk update
// of many documents of a collection that a cursor was reading hung FerretDB's database for good in the benchmark,
// hence one statement per document; the bound keeps well under FerretDB's 100 SQLite connections per database. It
// writes only what `each` writes.

/** Lookups in flight at once. */
export const LOOKUP_CONCURRENCY = 16;

/**
 * Runs `find` for every id, at most LOOKUP_CONCURRENCY at once, and answers what was found (in the ids' order,
 * missing ones left out).
 */
export async function findEachById<T>(ids: readonly string[], find: (id: string) => Promise<T | null>): Promise<T[]> {
  const found: (T | null)[] = new Array<T | null>(ids.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next;
      next += 1;
      found[index] = await find(ids[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, ids.length) }, worker));
  return found.filter((value): value is T => value !== null);
}

/** Runs `each` for every item, at most LOOKUP_CONCURRENCY at once (one statement per document, see above). */
export async function forEachBounded<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  await findEachById(
    items.map((_, index) => String(index)),
    async (index) => {
      await each(items[Number(index)]!);
      return null;
    },
  );
}
