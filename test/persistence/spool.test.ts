// The spool without a server (a Map for a store): every id comes back once, in order, in chunks of the size asked;
// the source is read to its end before the first chunk is handed out (so a database cursor is closed before the
// caller writes); the chunks are removed when the stream ends, fails or is left early.
import type { SpilledChunk, SpillStore } from '../../src/persistence/spill-store';
import { spooledIds } from '../../src/persistence/spool';

class MapStore implements SpillStore {
  readonly chunks = new Map<string, string>();
  async put(chunks: readonly SpilledChunk[]): Promise<void> {
    for (const chunk of chunks) this.chunks.set(chunk._id, chunk.records);
  }
  async get(id: string): Promise<string | undefined> {
    return this.chunks.get(id);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.chunks.delete(id);
  }
}

describe('spool', () => {
  test('spool › 2,345 ids in chunks of 500 › all read first, then handed out in order, the store emptied', async () => {
    const store = new MapStore();
    let sourceDone = false;
    async function* source() {
      for (let i = 0; i < 2_345; i += 1) yield `id-${i}`;
      sourceDone = true;
    }
    const chunks: string[][] = [];
    let storedAtFirst = 0;
    for await (const chunk of spooledIds(source(), { store, spoolId: 'claim:1', chunkSize: 500 })) {
      if (chunks.length === 0) {
        expect(sourceDone).toBe(true);
        storedAtFirst = store.chunks.size;
      }
      chunks.push(chunk);
    }
    expect(storedAtFirst).toBe(5);
    expect(chunks.map((chunk) => chunk.length)).toEqual([500, 500, 500, 500, 345]);
    expect(chunks.flat()).toEqual(Array.from({ length: 2_345 }, (_, i) => `id-${i}`));
    expect(store.chunks.size).toBe(0);
  });

  test('spool › left early, or a chunk gone › the store emptied, the error named', async () => {
    const store = new MapStore();
    async function* source() {
      for (let i = 0; i < 30; i += 1) yield `id-${i}`;
    }
    for await (const chunk of spooledIds(source(), { store, spoolId: 's', chunkSize: 10 })) {
      expect(chunk[0]).toBe('id-0');
      break;
    }
    expect(store.chunks.size).toBe(0);
    const failing = new MapStore();
    failing.get = async (id) => (id === 's:1' ? undefined : failing.chunks.get(id));
    const seen: string[][] = [];
    await expect(
      (async () => {
        for await (const chunk of spooledIds(source(), { store: failing, spoolId: 's', chunkSize: 10 }))
          seen.push(chunk);
      })(),
    ).rejects.toThrow(/chunk s:1 is missing/);
    expect(seen).toHaveLength(1);
    expect(failing.chunks.size).toBe(0);
    const empty = new MapStore();
    const none: string[][] = [];
    async function* nothing(): AsyncGenerator<string> {}
    for await (const chunk of spooledIds(nothing(), { store: empty, spoolId: 'e', chunkSize: 10 })) none.push(chunk);
    expect(none).toEqual([]);
  });
});
