// Reads and writes of many documents by `_id`, 500 ids to a statement. MongoDB serves an `_id` `$in` from the `_id`
// index, and so does the FerretDB that settleflow builds (scripts/lib/provision.js: FerretDB 1.24's SQLite backend as
// released narrows only a lone `_id` equality, and reads the whole collection for anything else). Writes go as one
// `updateMany` statement per 500 ids, never as one command of many statements: FerretDB 1.24 keeps each statement's
// query open until the whole command ends (a `defer` in its statement loop), so a command of 500 statements needs 500
// of the database's 100 SQLite connections and waits for good (seen in the benchmark; a one-statement `$in` does not).

/** Ids per `$in` statement (settleflow's FerretDB narrows an `$in` of up to 1,000 by its `_id` index). */
export const IDS_PER_QUERY = 500;

/** Lookups of findByIds in flight at once. */
export const ID_QUERIES_IN_FLIGHT = 4;

function chunksOf(ids: readonly string[]): string[][] {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
    chunks.push(unique.slice(start, start + IDS_PER_QUERY));
  }
  return chunks;
}

/**
 * Looks documents up by `_id`, IDS_PER_QUERY ids per `$in` query, at most ID_QUERIES_IN_FLIGHT queries at once; answers
 * what was found in the ids' order (missing ones left out, a repeated id answered once). A day of a million lookups is
 * 2,000 round trips, not a million (bench/README.md).
 */
export async function findByIds<T extends { _id: unknown }>(
  ids: readonly string[],
  find: (chunk: string[]) => Promise<T[]>,
): Promise<T[]> {
  const chunks = chunksOf(ids);
  const byId = new Map<string, T>();
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next]!;
      next += 1;
      for (const document of await find(chunk)) byId.set(String(document._id), document);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ID_QUERIES_IN_FLIGHT, chunks.length) }, worker));
  return [...new Set(ids)].flatMap((id) => {
    const document = byId.get(id);
    return document === undefined ? [] : [document];
  });
}

/**
 * Runs `update` for the ids, IDS_PER_QUERY at a time, one after the other (the database writes one at a time anyway);
 * `update` makes one `updateMany({ _id: { $in: chunk } }, ...)` statement of them.
 */
export async function updateByIds(
  ids: readonly string[],
  update: (chunk: string[]) => Promise<unknown>,
): Promise<void> {
  for (const chunk of chunksOf(ids)) await update(chunk);
}
