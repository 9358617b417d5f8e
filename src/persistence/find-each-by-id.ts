// Lookups and single-document writes by `_id`, a bounded number at once. Reads go by `$in`, 500 ids a query
// (findByIds): MongoDB and the FerretDB that settleflow builds (scripts/lib/provision.js patches FerretDB 1.24, whose
// SQLite backend as released narrows only a lone `_id` equality and reads the whole collection for an `$in`) read each
// from the `_id` index. Writes go one statement per document (forEachBounded): one bulk update of many documents of a
// collection that a cursor was reading hung FerretDB's database for good in the benchmark. The bounds keep well under
// FerretDB's 100 SQLite connections per database. Nothing here writes but what `each` writes.

/** Lookups in flight at once. */
export const LOOKUP_CONCURRENCY = 16;

/**
 * Runs `find` for every id, at most LOOKUP_CONCURRENCY at once, and answers what was found (in the ids' order,
 * missing ones left out).
 */
export async function findEachById<T>(
  ids: readonly string[],
  find: (id: string) => Promise<T | null>,
  concurrency = LOOKUP_CONCURRENCY,
): Promise<T[]> {
  const found: (T | null)[] = new Array<T | null>(ids.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next;
      next += 1;
      found[index] = await find(ids[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
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

/** Ids per `$in` query of findByIds (settleflow's FerretDB narrows an `$in` of up to 1,000 by its `_id` index). */
export const IDS_PER_QUERY = 500;

/** Queries of findByIds in flight at once. */
export const ID_QUERIES_IN_FLIGHT = 4;

/**
 * Looks documents up by `_id`, IDS_PER_QUERY ids per `$in` query, at most ID_QUERIES_IN_FLIGHT queries at once; answers
 * what was found in the ids' order (missing ones left out, a repeated id answered once). MongoDB reads each `$in` from
 * the `_id` index, and so does the FerretDB that `npm start` and the tests build (scripts/lib/provision.js, a patch
 * of settleflow's own; FerretDB 1.24 as released reads the whole collection for an `$in`). One query per 500 ids
 * instead of 500 queries: a day of a million lookups is 2,000 round trips, not a million (bench/README.md).
 */
export async function findByIds<T extends { _id: unknown }>(
  ids: readonly string[],
  find: (chunk: string[]) => Promise<T[]>,
): Promise<T[]> {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
    chunks.push(unique.slice(start, start + IDS_PER_QUERY));
  }
  const byId = new Map<string, T>();
  await findEachById(
    chunks.map((_, index) => String(index)),
    async (index) => {
      for (const document of await find(chunks[Number(index)]!)) byId.set(String(document._id), document);
      return null;
    },
    ID_QUERIES_IN_FLIGHT,
  );
  return unique.flatMap((id) => {
    const document = byId.get(id);
    return document === undefined ? [] : [document];
  });
}
