// Sorts more records than memory should hold: runs of at most `runSize` records are sorted in memory and stored as
// chunks of `chunkSize` records (one document each, read back by `_id`), then merged `fanIn` runs at a time (in as
// many passes as it takes) into one sorted stream. Memory holds one run while the runs are made and, while merging,
// one chunk per run merged; a source that fits in one run is sorted in memory and stores nothing.
//
// Why settleflow has its own: a day's reconciliation reads a million staged lines grouped by match key, and the
// database would have to sort them. MongoDB does that from an index; FerretDB 1.24 reads every document into its own
// memory and sorts there (11 GB for a million lines, bench/README.md), whatever the indexes. Sorting in runs stored as
// a few hundred large documents keeps FerretDB to lookups by `_id` and settleflow's process to a bounded size, on both
// databases. No library found sorts through a caller's store; the merge (a binary heap over the runs) is small.

import type { SpillStore } from './spill-store';
import { ChunkWriter } from './spill-store';

/** How a sort runs. */
export interface ExternalSortOptions<T> {
  compare: (a: T, b: T) => number;
  store: SpillStore;
  /** Prefix of the chunks' ids; unique to this sort. */
  sortId: string;
  /** Records sorted in memory at once (a run). */
  runSize: number;
  /** Records per stored chunk. */
  chunkSize: number;
  /** Runs merged at once. */
  fanIn: number;
  /** Called with the number of records read and runs stored so far, once per run. */
  progress?: ((state: { records: number; runs: number }) => void) | undefined;
}

/** A stored run: its chunks' ids in order. */
interface Run {
  chunks: string[];
}

/** Reads one run's records in order, a chunk at a time. */
class RunReader<T> {
  private records: T[] = [];
  private position = 0;
  private next = 0;

  constructor(
    private readonly run: Run,
    private readonly store: SpillStore,
  ) {}

  /** The current record, loading the next chunk when this one is used up; undefined at the end. */
  async head(): Promise<T | undefined> {
    while (this.position >= this.records.length) {
      const id = this.run.chunks[this.next];
      if (id === undefined) return undefined;
      const text = await this.store.get(id);
      if (text === undefined) throw new Error(`external sort: chunk ${id} is missing (removed by another attempt?)`);
      this.records = JSON.parse(text) as T[];
      this.position = 0;
      this.next += 1;
    }
    return this.records[this.position];
  }

  advance(): void {
    this.position += 1;
  }
}

/** Merges sorted runs into one sorted stream (a binary heap of the runs' current records). */
async function* merge<T>(readers: RunReader<T>[], compare: (a: T, b: T) => number): AsyncGenerator<T> {
  const heap: { record: T; reader: RunReader<T> }[] = [];
  const less = (i: number, j: number) => compare(heap[i]!.record, heap[j]!.record) < 0;
  const swap = (i: number, j: number) => {
    [heap[i], heap[j]] = [heap[j]!, heap[i]!];
  };
  const up = (start: number) => {
    for (let i = start; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!less(i, parent)) break;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (start: number) => {
    for (let i = start; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && less(left, least)) least = left;
      if (right < heap.length && less(right, least)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  for (const reader of readers) {
    const record = await reader.head();
    if (record === undefined) continue;
    heap.push({ record, reader });
    up(heap.length - 1);
  }
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.record;
    top.reader.advance();
    const record = await top.reader.head();
    if (record === undefined) {
      const last = heap.pop()!;
      if (heap.length === 0) return;
      heap[0] = last;
    } else {
      top.record = record;
    }
    down(0);
  }
}

/**
 * Yields the source's records in `compare` order. Stable only as far as `compare` decides: give it a total order (a
 * unique field last). The chunks it stored are removed when the stream ends, fails or is left early.
 */
export async function* externalSort<T>(source: AsyncIterable<T>, options: ExternalSortOptions<T>): AsyncGenerator<T> {
  const { compare, store, sortId, runSize, chunkSize, fanIn } = options;
  if (runSize < 1 || chunkSize < 1 || fanIn < 2) throw new Error('external sort: runSize, chunkSize >= 1, fanIn >= 2');
  const stored = new Set<string>();
  let runCount = 0;
  const write = async (records: AsyncIterable<T> | Iterable<T>, level: number): Promise<Run> => {
    const writer = new ChunkWriter<T>(store, `${sortId}:${level}:${runCount}`, chunkSize, (id) => stored.add(id));
    runCount += 1;
    for await (const record of records) await writer.add(record);
    return { chunks: await writer.end() };
  };
  try {
    let runs: Run[] = [];
    let buffer: T[] = [];
    let read = 0;
    for await (const record of source) {
      if (buffer.length >= runSize) {
        buffer.sort(compare);
        runs.push(await write(buffer, 0));
        buffer = [];
        options.progress?.({ records: read, runs: runs.length });
      }
      buffer.push(record);
      read += 1;
    }
    buffer.sort(compare);
    if (runs.length === 0) {
      // It fitted in one run: nothing stored.
      yield* buffer;
      return;
    }
    if (buffer.length > 0) runs.push(await write(buffer, 0));
    buffer = [];
    options.progress?.({ records: read, runs: runs.length });
    for (let level = 1; runs.length > fanIn; level += 1) {
      const merged: Run[] = [];
      for (let start = 0; start < runs.length; start += fanIn) {
        const group = runs.slice(start, start + fanIn);
        merged.push(
          await write(
            merge(
              group.map((run) => new RunReader<T>(run, store)),
              compare,
            ),
            level,
          ),
        );
        const used = group.flatMap((run) => run.chunks);
        await store.remove(used);
        for (const id of used) stored.delete(id);
      }
      runs = merged;
    }
    yield* merge(
      runs.map((run) => new RunReader<T>(run, store)),
      compare,
    );
  } finally {
    const left = [...stored];
    for (let start = 0; start < left.length; start += 500) await store.remove(left.slice(start, start + 500));
  }
}
