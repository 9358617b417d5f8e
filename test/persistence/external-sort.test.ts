// The external sort without a server (its store is a Map here; the reconciliation tests run it on the database): it
// answers what Array.prototype.sort answers for any size, run, chunk and fan-in (multi-pass merges included), keeps
// at most one run in memory, stores nothing for a source that fits in one run, and leaves no chunk behind when the
// stream ends, fails or is left early.
import fc from 'fast-check';
import type { SpilledChunk, SpillStore } from '../../src/persistence/spill-store';
import { externalSort } from '../../src/persistence/external-sort';

interface Line {
  key: string;
  id: number;
}

const byKeyThenId = (a: Line, b: Line) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id);

class MapStore implements SpillStore {
  readonly chunks = new Map<string, string>();
  puts = 0;
  most = 0;
  async put(chunks: readonly SpilledChunk[]): Promise<void> {
    this.puts += 1;
    for (const chunk of chunks) {
      if (this.chunks.has(chunk._id)) throw new Error(`duplicate chunk ${chunk._id}`);
      this.chunks.set(chunk._id, chunk.records);
    }
    this.most = Math.max(this.most, this.chunks.size);
  }
  async get(id: string): Promise<string | undefined> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.chunks.get(id);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.chunks.delete(id);
  }
}

async function* from<T>(items: readonly T[], seen?: { count: number }): AsyncGenerator<T> {
  for (const item of items) {
    if (seen) seen.count += 1;
    yield item;
  }
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of stream) all.push(item);
  return all;
}

const lines = fc.array(
  fc.record({ key: fc.stringMatching(/^[a-e]{0,3}$/), id: fc.nat() }).map((line) => line),
  { maxLength: 300 },
);

describe('external sort', () => {
  test('external sort › any records, run, chunk and fan-in › the order Array.sort gives, no chunk left', async () => {
    await fc.assert(
      fc.asyncProperty(
        lines,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 2, max: 5 }),
        async (records, runSize, chunkSize, fanIn) => {
          const unique = records.map((line, id) => ({ ...line, id }));
          const store = new MapStore();
          const sorted = await collect(
            externalSort(from(unique), { compare: byKeyThenId, store, sortId: 's', runSize, chunkSize, fanIn }),
          );
          expect(sorted).toEqual([...unique].sort(byKeyThenId));
          expect(store.chunks.size).toBe(0);
          if (unique.length <= runSize) expect(store.puts).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('external sort › 10,000 lines, runs of 1,000, fan-in 4 › three merge passes, sorted, the store emptied', async () => {
    const keys = Array.from({ length: 10_000 }, (_, id) => ({
      key: String((id * 7919) % 10_007).padStart(5, '0'),
      id,
    }));
    const store = new MapStore();
    const progress: number[] = [];
    const sorted = await collect(
      externalSort(from(keys), {
        compare: byKeyThenId,
        store,
        sortId: 'big',
        runSize: 1_000,
        chunkSize: 100,
        fanIn: 4,
        progress: ({ runs }) => progress.push(runs),
      }),
    );
    expect(sorted.map((line) => line.id)).toEqual([...keys].sort(byKeyThenId).map((line) => line.id));
    // Ten runs of ten chunks each were stored, and merged (10 -> 3 -> 1 in passes of four) before the last merge.
    expect(progress.at(-1)).toBe(10);
    expect(store.most).toBeGreaterThanOrEqual(100);
    expect(store.chunks.size).toBe(0);
  });

  test('external sort › the consumer stops early, or a chunk is missing › its chunks are removed, the error named', async () => {
    const records = Array.from({ length: 50 }, (_, id) => ({ key: String(50 - id).padStart(2, '0'), id }));
    const store = new MapStore();
    const options = { compare: byKeyThenId, store, sortId: 'early', runSize: 10, chunkSize: 3, fanIn: 2 };
    for await (const line of externalSort(from(records), options)) {
      expect(line.key).toBe('01');
      break;
    }
    expect(store.chunks.size).toBe(0);

    const failing = new MapStore();
    const realGet = failing.get.bind(failing);
    failing.get = async (id: string) => (id.endsWith(':2') ? undefined : realGet(id));
    await expect(collect(externalSort(from(records), { ...options, store: failing, sortId: 'gone' }))).rejects.toThrow(
      /chunk gone:\d+:\d+:2 is missing/,
    );
    expect(failing.chunks.size).toBe(0);
  });

  test('external sort › a source of one run › sorted in memory, nothing stored; bad settings › refused', async () => {
    const store = new MapStore();
    const seen = { count: 0 };
    const records = [
      { key: 'b', id: 1 },
      { key: 'a', id: 2 },
    ];
    const sorted = await collect(
      externalSort(from(records, seen), {
        compare: byKeyThenId,
        store,
        sortId: 'one',
        runSize: 2,
        chunkSize: 1,
        fanIn: 2,
      }),
    );
    // Exactly runSize records stay in memory; one more makes two stored runs.
    expect(sorted.map((line) => line.key)).toEqual(['a', 'b']);
    expect(seen.count).toBe(2);
    expect(store.puts).toBe(0);
    const larger = new MapStore();
    const three = [...records, { key: 'a', id: 0 }];
    const all = await collect(
      externalSort(from(three), {
        compare: byKeyThenId,
        store: larger,
        sortId: 'x',
        runSize: 2,
        chunkSize: 1,
        fanIn: 2,
      }),
    );
    expect(all.map((line) => line.id)).toEqual([0, 2, 1]);
    expect(larger.puts).toBe(2);
    await expect(
      collect(
        externalSort(from(records), { compare: byKeyThenId, store, sortId: 'bad', runSize: 0, chunkSize: 1, fanIn: 2 }),
      ),
    ).rejects.toThrow(/runSize/);
  });
});
