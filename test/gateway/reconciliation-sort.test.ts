// The match step's external sort on the real database: a day whose lines are stored in an order unrelated to their
// keys, matched with tiny runs (many stored chunks, merged in several passes), gives exactly the items of the same day
// matched in memory; a chunk an earlier attempt left behind is removed first; nothing is left afterwards. The staged
// lines' order on disk is shuffled so that a merge that lost or repeated a line would split a key and change a class.

import type { Connection } from 'mongoose';
import { Reconciler } from '../../src/gateway/reconciliation/reconciler';
import type { LineRecord } from '../../src/gateway/reconciliation/store';
import { RECONCILIATION_COLLECTIONS } from '../../src/gateway/reconciliation/store';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { spillDatabaseName } from '../../src/persistence/spill-store';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;

beforeAll(async () => {
  db = await connectDatabase(uniqueDatabaseUri(testServers().mongoUri, 'recon_sort'));
});

afterAll(async () => {
  await db?.connection.useDb(spillDatabaseName(db.connection)).dropDatabase();
  await db?.connection.dropDatabase();
  await db?.close();
});

function reconcilerWith(matchSort?: { runSize: number; chunkSize: number; fanIn: number }): Reconciler {
  return new Reconciler(db, undefined as never, undefined as never, {
    iban: 'DE89370400440532013000',
    currencies: ['EUR'],
    iso20022Url: 'http://127.0.0.1:1',
    timingWindowDays: 1,
    batchSize: 7,
    requestTimeoutMs: 1_000,
    acquirerId: '123456',
    matchSort,
  });
}

/**
 * 60 keys: most matched, some with another amount at the bank, some only in the ledger or only at the bank, some
 * booked twice at the bank, some on a later statement; inserted in a scrambled order.
 */
function dayOf(runId: string): LineRecord[] {
  const lines: LineRecord[] = [];
  const line = (key: string, side: LineRecord['side'], amountMinor: number, n: number): LineRecord => ({
    _id: `${runId}:${side}:${key}:${n}`,
    runId,
    key,
    side,
    amountMinor,
    currency: 'EUR',
    reference: `${side}-${key}-${n}`,
    bookedOn: side === 'bank_later' ? '2026-11-21' : '2026-11-20',
    ...(side === 'ledger' ? { kind: 'card_capture', orderId: `order-${key}`, paymentId: `payment-${key}-1` } : {}),
  });
  for (let i = 0; i < 60; i += 1) {
    const key = `rrn-${String(i).padStart(3, '0')}`;
    const amount = 1_000 + i;
    if (i % 10 === 1) lines.push(line(key, 'ledger', amount, 0));
    else if (i % 10 === 2) lines.push(line(key, 'bank', amount, 0));
    else if (i % 10 === 3) lines.push(line(key, 'bank', amount + 5, 0), line(key, 'ledger', amount, 0));
    else if (i % 10 === 4)
      lines.push(line(key, 'bank', amount, 0), line(key, 'bank', amount, 1), line(key, 'ledger', amount, 0));
    else if (i % 10 === 5) lines.push(line(key, 'ledger', amount, 0), line(key, 'bank_later', amount, 0));
    else lines.push(line(key, 'bank', amount, 0), line(key, 'ledger', amount, 0));
  }
  // A fixed scramble: every 7th position in turn, so neighbours on disk are far apart in key order.
  return lines.map((_, index) => lines[(index * 7) % lines.length]!);
}

async function itemsOf(runId: string) {
  const items = await (db.connection as Connection)
    .collection(RECONCILIATION_COLLECTIONS.items)
    .find({ runId })
    .toArray();
  return items
    .map(({ key, class: cls, bankAmountMinor, ledgerAmountMinor, bankReferences, journalId, otherDay }) => ({
      key,
      cls,
      bankAmountMinor,
      ledgerAmountMinor,
      bankReferences,
      journalId,
      otherDay,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

describe('reconciliation match sort', () => {
  test('reconciliation › a scrambled day sorted in runs of 5 lines › the same items as in memory, no chunk left', async () => {
    const store = reconcilerWith().store;
    await store.ensureIndexes();
    const inMemory = 'recon-sort-memory';
    const spilled = 'recon-sort-spilled';
    const day = dayOf(inMemory);
    expect(new Set(day.map((line) => line._id)).size).toBe(day.length);
    await store.lines.insertMany(day);
    await store.lines.insertMany(dayOf(spilled));
    // What a dead attempt of the spilled run left behind.
    await store.sortChunks.insertOne({ _id: `${spilled}:dead:0:0:0`, owner: spilled, records: '[]' });

    const input = (runId: string) => ({ runId, day: '2026-11-20', iban: 'DE89370400440532013000' });
    const countsInMemory = await reconcilerWith().match(input(inMemory));
    let heartbeats = 0;
    // The chunks go to `<database>_spill` (another SQLite file on FerretDB), never beside the lines being read.
    const spillDb = db.connection.useDb(spillDatabaseName(db.connection));
    const seen: Promise<number>[] = [];
    const countsSpilled = await reconcilerWith({ runSize: 5, chunkSize: 2, fanIn: 2 }).match(input(spilled), () => {
      heartbeats += 1;
      seen.push(spillDb.collection(RECONCILIATION_COLLECTIONS.sortChunks).countDocuments({ owner: spilled }));
    });
    expect(Math.max(...(await Promise.all(seen)))).toBeGreaterThan(0);
    const mainCollections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
    expect(mainCollections.map((c) => c.name)).not.toContain(RECONCILIATION_COLLECTIONS.sortChunks);

    expect(countsInMemory).toEqual({
      MATCHED: 36,
      AMOUNT_MISMATCH: 6,
      MISSING_IN_BANK: 6,
      MISSING_IN_LEDGER: 6,
      DUPLICATE: 6,
      TIMING: 6,
    });
    expect(countsSpilled).toEqual(countsInMemory);
    const [memoryItems, spilledItems] = await Promise.all([itemsOf(inMemory), itemsOf(spilled)]);
    expect(memoryItems).toHaveLength(66);
    const withoutRun = (items: typeof memoryItems) =>
      items.map((item) => JSON.parse(JSON.stringify(item).replaceAll(inMemory, 'RUN').replaceAll(spilled, 'RUN')));
    expect(withoutRun(spilledItems)).toEqual(withoutRun(memoryItems));
    expect(spilledItems.find((item) => item.key === 'rrn-003')).toMatchObject({
      cls: 'AMOUNT_MISMATCH',
      bankAmountMinor: 1_008,
      ledgerAmountMinor: 1_003,
    });
    // 114 lines in runs of 5: a heartbeat per run (23) at least.
    expect(heartbeats).toBeGreaterThanOrEqual(23);
    expect(await store.sortChunks.countDocuments({})).toBe(0);
  });
});
