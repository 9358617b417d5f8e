// Where the external sort (external-sort.ts) and the spool (spool.ts) keep what they read while a step lasts: chunks of
// serialized records, one document each, read and removed by `_id` (the index, on MongoDB and settleflow's FerretDB).
// A step's chunks name their owner (a reconciliation run, a settlement batch's step), so the step, started again,
// removes what an attempt that died left. The chunks live in a database of their own (`<database>_spill`): a step
// writes them while a long cursor reads its own database, and on FerretDB each database is a SQLite file whose
// write-ahead log cannot be checkpointed past the oldest open read, so chunks written into the read database piled up
// in its log for as long as the cursor lasted (bench/README.md), and every read of it went through that log.

import type { Collection, Connection } from 'mongoose';

/** The database beside a connection's own that holds its spill collections. */
export function spillDatabaseName(connection: Connection): string {
  return `${connection.name}_spill`;
}

/** A spill collection: in `<database>_spill`, on the connection's client (one pool). */
export function spillCollection(connection: Connection, name: string): Collection<OwnedChunk> {
  return connection
    .useDb(spillDatabaseName(connection), { useCache: true })
    .collection<OwnedChunk>(name) as unknown as Collection<OwnedChunk>;
}

/** Where chunks are kept while a step lasts. */
export interface SpillStore {
  /** Stores chunks (each id is new). */
  put(chunks: readonly SpilledChunk[]): Promise<void>;
  /** The chunk's records as stored, or undefined if it is not there. */
  get(id: string): Promise<string | undefined>;
  /** Removes chunks (ids not there are ignored). */
  remove(ids: readonly string[]): Promise<void>;
}

/** One stored chunk: records in order, serialized. */
export interface SpilledChunk {
  _id: string;
  records: string;
}

/** A chunk as a collection holds it. */
export interface OwnedChunk extends SpilledChunk {
  owner: string;
}

/** Chunks written per `put`. */
const CHUNKS_PER_PUT = 8;

/**
 * Writes records as chunks of `chunkSize` with the ids `<prefix>:0`, `<prefix>:1`..., CHUNKS_PER_PUT chunks to a `put`;
 * `end` writes what is left and answers the chunks' ids in order.
 */
export class ChunkWriter<T> {
  private readonly ids: string[] = [];
  private pending: SpilledChunk[] = [];
  private chunk: T[] = [];

  constructor(
    private readonly store: SpillStore,
    private readonly prefix: string,
    private readonly chunkSize: number,
    /** Told each chunk's id as it is made (before it is stored), so a caller can remove it whatever happens. */
    private readonly made: (id: string) => void = () => undefined,
  ) {}

  async add(record: T): Promise<void> {
    this.chunk.push(record);
    if (this.chunk.length >= this.chunkSize) await this.flush(false);
  }

  async end(): Promise<string[]> {
    await this.flush(true);
    return this.ids;
  }

  private async flush(all: boolean): Promise<void> {
    if (this.chunk.length > 0 && (all || this.chunk.length >= this.chunkSize)) {
      const id = `${this.prefix}:${this.ids.length}`;
      this.pending.push({ _id: id, records: JSON.stringify(this.chunk) });
      this.ids.push(id);
      this.made(id);
      this.chunk = [];
    }
    if (this.pending.length > 0 && (all || this.pending.length >= CHUNKS_PER_PUT)) {
      await this.store.put(this.pending);
      this.pending = [];
    }
  }
}

/** A SpillStore on a collection, its chunks tagged with `owner`; what the owner's earlier attempts left is removed. */
export async function ownedSpillStore(collection: Collection<OwnedChunk>, owner: string): Promise<SpillStore> {
  await collection.deleteMany({ owner });
  return {
    put: async (chunks) => {
      await collection.insertMany(
        chunks.map((chunk) => ({ ...chunk, owner })),
        { ordered: false },
      );
    },
    get: async (id) => (await collection.findOne({ _id: id }))?.records,
    remove: async (ids) => {
      if (ids.length > 0) await collection.deleteMany({ _id: { $in: [...ids] } });
    },
  };
}
