// Counting documents without gathering them. The driver's `countDocuments` is an aggregation (`$match`, then `$group`
// of everything into one document); FerretDB 1.24's `$group` keeps every document of a group in its memory until the
// last one is read, so a count of a million orders held a million orders there. The `count` command streams on
// FerretDB (a filter, then a counter) and uses the indexes on MongoDB, where it is exact outside a sharded cluster
// (settleflow's store is one server or a replica set, never sharded).

import type { Connection } from 'mongoose';

/** How many documents of `collection` match `filter`; `maxTimeMS` bounds it on the server. */
export async function countMatching(
  connection: Connection,
  collection: string,
  filter: Record<string, unknown>,
  options: { maxTimeMS?: number } = {},
): Promise<number> {
  const db = connection.db;
  if (db === undefined) throw new Error('countMatching: the connection is not open');
  const answer = await db.command({
    count: collection,
    query: filter,
    ...(options.maxTimeMS === undefined ? {} : { maxTimeMS: options.maxTimeMS }),
  });
  return Number(answer.n ?? 0);
}
