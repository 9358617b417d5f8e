// Reads a query's ids to the end first, into stored chunks, and only then hands them out a chunk at a time, so the
// query is finished before the caller writes anything. On FerretDB (SQLite) an open cursor is an open read
// transaction: while it lasts, no checkpoint may copy the write-ahead log past its snapshot, so every write made
// meanwhile piles up in the log and each page read searches a longer log index (a settlement claim of a million
// requests, reading one cursor while it closed them, grew the log to 18 GB; bench/README.md). The ids' chunks are
// written while the cursor is open (a few tens of MB for a million ids), the work's own writes after it closed.
// Memory holds one chunk.

import type { SpillStore } from './spill-store';
import { ChunkWriter } from './spill-store';

/**
 * Yields `ids` in chunks of `chunkSize`, after reading them all into `store` under `spoolId`; removes the chunks when
 * the stream ends, fails or is left early.
 */
export async function* spooledIds(
  ids: AsyncIterable<string>,
  options: { store: SpillStore; spoolId: string; chunkSize: number },
): AsyncGenerator<string[]> {
  const { store, spoolId, chunkSize } = options;
  if (chunkSize < 1) throw new Error('spool: chunkSize >= 1');
  const stored: string[] = [];
  try {
    const writer = new ChunkWriter<string>(store, spoolId, chunkSize, (id) => stored.push(id));
    for await (const id of ids) await writer.add(id);
    for (const id of await writer.end()) {
      const text = await store.get(id);
      if (text === undefined) throw new Error(`spool: chunk ${id} is missing (removed by another attempt?)`);
      yield JSON.parse(text) as string[];
    }
  } finally {
    for (let start = 0; start < stored.length; start += 500) await store.remove(stored.slice(start, start + 500));
  }
}
