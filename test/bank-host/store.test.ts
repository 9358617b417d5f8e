// The bank host's store on FerretDB: journal entries written by group commit come back whole and in `seq` order when
// the books are rebuilt (a restart), whether stored as JSON text (now) or field by field (entries written before);
// and an entry is stored as three values, never with a card number. Uses a database of its own on the test server.

import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import type { CardEntry } from '../../src/bank-host/domain/journal';
import { cardEntryId } from '../../src/bank-host/domain/journal';
import { BankStore } from '../../src/bank-host/store';
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
  it('group commit › 50 entries appended at once › all read back whole, in seq order, each stored as 3 values', async () => {
    const entries = Array.from({ length: 50 }, (_, i) => entry(i + 1, 1_000 + i));
    await Promise.all([...entries].reverse().map((e) => store.append(e)));
    expect(await store.loadJournal()).toEqual([...entries].sort((a, b) => a.seq - b.seq));
    const connection = await mongoose.createConnection(uri).asPromise();
    const stored = await connection.collection('journal').findOne({ _id: entries[0]!._id as never });
    await connection.close();
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'entry', 'seq']);
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
});
