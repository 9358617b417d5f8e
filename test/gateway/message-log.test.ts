// The bank messages record on FerretDB (src/gateway/bank-connector/message-log.ts): the messages of one flush are
// one document holding their RRNs; a payment's messages are found by RRN in batches and among the records stored one
// per document before, oldest first, without the other RRNs' messages of the same batch; nothing in clear.

import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { BankMessageLog, findBankMessages } from '../../src/gateway/bank-connector/message-log';
import { isoMessage } from '../../src/iso8583';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

let connection: Connection;
let log: BankMessageLog;

beforeAll(async () => {
  connection = await mongoose.createConnection(uniqueDatabaseUri(testServers().mongoUri, 'bankmessages')).asPromise();
  log = new BankMessageLog(connection, { flushMs: 60_000 });
  await log.ensureIndexes();
});

afterAll(async () => {
  await connection?.dropDatabase();
  await connection?.close();
});

const PAN = '4000056655665556';

function request(rrn: string, stan: string) {
  return isoMessage('0100', { 2: PAN, 3: '000000', 4: '000000001000', 11: stan, 37: rrn, 49: '978' });
}

function answer(rrn: string, stan: string, code: string) {
  return isoMessage('0110', { 3: '000000', 4: '000000001000', 11: stan, 37: rrn, 39: code, 49: '978' });
}

describe('bank messages record', () => {
  it('one flush › one document with its RRNs › each RRN reads back its own messages, oldest first, the PAN masked', async () => {
    const t = Date.parse('2026-11-27T10:00:00.000Z');
    // A message stored one per document before batches, for RRN A, older than the batch.
    await connection.collection('bank_messages').insertOne({
      _id: 'legacy-1',
      rrn: 'RRNAAAAAAAAA',
      at: new Date(t - 1_000),
      message: JSON.stringify({ direction: 'out', mti: '0400', stan: '000009', matched: true, fields: {} }),
    } as never);
    log.record('out', request('RRNAAAAAAAAA', '000001'), true, new Date(t));
    log.record('out', request('RRNBBBBBBBBB', '000002'), true, new Date(t + 1));
    log.record('in', answer('RRNBBBBBBBBB', '000002', '51'), true, new Date(t + 2));
    log.record('in', answer('RRNAAAAAAAAA', '000001', '00'), true, new Date(t + 2));
    log.record('out', isoMessage('0800', { 11: '000003', 70: '301' }), true, new Date(t + 3));
    await log.flush();

    const batches = await connection
      .collection('bank_messages')
      .find({ rrns: { $exists: true } })
      .toArray();
    expect(batches).toHaveLength(1);
    expect(Object.keys(batches[0]!).sort()).toEqual(['_id', 'at', 'messages', 'rrns']);
    expect(batches[0]!.rrns).toEqual(['RRNAAAAAAAAA', 'RRNBBBBBBBBB']);
    expect(JSON.stringify(batches)).not.toContain(PAN.slice(6, 12));

    const a = await findBankMessages(connection, ['RRNAAAAAAAAA']);
    expect(a.map((m) => `${m.direction} ${m.mti} ${m.stan} ${m.responseCode ?? '-'}`)).toEqual([
      'out 0400 000009 -',
      'out 0100 000001 -',
      'in 0110 000001 00',
    ]);
    expect(a[1]!.fields['2']).toBe('400005******5556');
    expect(a[1]!.at).toEqual(new Date(t));
    const b = await log.forRrns(['RRNBBBBBBBBB']);
    expect(b.map((m) => `${m.direction} ${m.mti} ${m.responseCode ?? '-'}`)).toEqual(['out 0100 -', 'in 0110 51']);
    expect(await findBankMessages(connection, ['RRNCCCCCCCCC'])).toEqual([]);
  });
});
