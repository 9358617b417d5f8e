// The bank host's store on FerretDB: journal entries written by group commit come back whole and in `seq` order when
// the books are rebuilt (a restart), whether stored as a group's JSON text (now), one entry's JSON text or field by
// field (entries written before); a group is one document of four values. Uses a database of its own on the test server.

import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import type { CardEntry } from '../../src/bank-host/domain/journal';
import { cardEntryId } from '../../src/bank-host/domain/journal';
import { BankStore, MAX_GROUP, journalGroupId } from '../../src/bank-host/store';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

let uri: string;
let store: BankStore;

beforeAll(async () => {
  uri = uniqueDatabaseUri(testServers().mongoUri, 'bankstore');
  store = await BankStore.open(uri, (error) => {
    throw error;
  });
});

afterAll(async () => {
  await store?.close();
  const connection = await mongoose.createConnection(uri).asPromise();
  await connection.dropDatabase();
  await connection.close();
});

function entry(seq: number, amount: number): CardEntry {
  const rrn = `R${String(seq).padStart(11, '0')}`;
  return {
    _id: cardEntryId('0100', rrn),
    seq,
    at: '2026-11-27T00:00:00.000Z',
    settlementDate: '2026-11-27',
    channel: 'iso8583',
    mti: '0100',
    rrn,
    stan: '000001',
    acquirerId: '4711',
    messageKey: `0100|000001|${rrn}`,
    digest: 'd'.repeat(64),
    processingCode: '000000',
    amount,
    currency: 'KWD',
    accountId: 'card_x',
    last4: '4242',
    responseCode: '00',
    authCode: '00000A',
    hold: { amount, expiresAt: '2026-12-04T00:00:00.000Z' },
    effects: [],
  };
}

describe('bank host store', () => {
  it('group commit › 50 entries appended at once › one document of 4 values, all read back whole, in seq order', async () => {
    const entries = Array.from({ length: 50 }, (_, i) => entry(i + 1, 1_000 + i));
    await Promise.all([...entries].reverse().map((e) => store.append(e)));
    expect(await store.loadJournal()).toEqual([...entries].sort((a, b) => a.seq - b.seq));
    const connection = await mongoose.createConnection(uri).asPromise();
    const stored = await connection.collection('journal').find({}).sort({ seq: -1 }).toArray();
    await connection.close();
    // Appended in one turn of the event loop: one write, one document.
    expect(stored.map((group) => [group._id, group.seq, group.last])).toEqual([[journalGroupId(1), 1, 50]]);
    for (const group of stored) expect(Object.keys(group).sort()).toEqual(['_id', 'entries', 'last', 'seq']);
  });

  it('an entry stored alone as JSON text (before) › read back in its place by seq', async () => {
    const connection = await mongoose.createConnection(uri).asPromise();
    const alone = entry(500, 555);
    await connection
      .collection('journal')
      .insertOne({ _id: alone._id, seq: 500, entry: JSON.stringify(alone) } as never);
    await connection.close();
    const journal = await store.loadJournal();
    expect(journal.map((e) => e.seq)).toEqual([...Array.from({ length: 50 }, (_, i) => i + 1), 500]);
    expect(journal.at(-1)).toEqual(alone);
  });

  it('an entry stored field by field (before) › read back as it was, in its place by seq', async () => {
    const connection = await mongoose.createConnection(uri).asPromise();
    const legacy = { ...entry(1_000, 777), _id: `legacy-${randomUUID()}` };
    await connection.collection('journal').insertOne(legacy as never);
    await connection.close();
    await store.append(entry(1_001, 778));
    const journal = await store.loadJournal();
    expect(journal.slice(-2).map((e) => [e.seq, e.amount])).toEqual([
      [1_000, 777],
      [1_001, 778],
    ]);
    expect(journal.at(-2)).toEqual(legacy);
  });

  it('a write of more than MAX_GROUP entries › several documents of at most MAX_GROUP, all read back in seq order', async () => {
    const from = 10_000;
    const entries = Array.from({ length: MAX_GROUP * 2 + 5 }, (_, i) => entry(from + i, 1 + i));
    await Promise.all(entries.map((e) => store.append(e)));
    const connection = await mongoose.createConnection(uri).asPromise();
    const stored = await connection
      .collection('journal')
      .find({ seq: { $gte: from } })
      .sort({ seq: 1 })
      .toArray();
    await connection.close();
    expect(stored.map((group) => [group.seq, group.last])).toEqual([
      [from, from + MAX_GROUP - 1],
      [from + MAX_GROUP, from + 2 * MAX_GROUP - 1],
      [from + 2 * MAX_GROUP, from + 2 * MAX_GROUP + 4],
    ]);
    const journal = await store.loadJournal();
    expect(journal.filter((e) => e.seq >= from)).toEqual(entries);
  });
});
