// The record of bank messages read back (src/gateway/bank-connector/message-log.ts): a batch of messages stored as one
// document (time, RRNs, the messages as JSON text), and the three shapes stored one message per document before it
// (RRN, time and the rest as JSON text; fields as an object; fields as JSON text), all read back as the same records,
// so operators reading a payment's messages after a fault see one form. Pure: no server.

import { readBankMessage, readBankMessages } from '../../src/gateway/bank-connector/message-log';

const at = new Date('2026-11-27T00:00:00Z');
const fields = { '2': '424242******4242', '4': '000000001000', '61': '[masked]' };
const whole = {
  _id: 'm1',
  direction: 'in' as const,
  mti: '0110',
  stan: '000042',
  rrn: 'ABCDEF123456',
  responseCode: '00',
  matched: false,
  fields,
  at,
};

describe('bank message record › readBankMessage', () => {
  it('stored as rrn, at and JSON text › the whole record, fields as an object', () => {
    const { _id, rrn, at: time, ...rest } = whole;
    expect(readBankMessage({ _id, rrn, at: time, message: JSON.stringify(rest) })).toEqual(whole);
  });

  it('stored field by field with fields as an object (before) › the same record', () => {
    expect(readBankMessage(whole)).toEqual(whole);
  });

  it('stored field by field with fields as JSON text (before) › the same record', () => {
    expect(readBankMessage({ ...whole, fields: JSON.stringify(fields) })).toEqual(whole);
  });

  it('an answer without RRN or field 39 › no such keys, rather than undefined ones', () => {
    const record = readBankMessage({
      _id: 'm2',
      at,
      message: JSON.stringify({ direction: 'in', mti: 'XXXX', matched: false, fields: {} }),
    });
    expect(Object.keys(record).sort()).toEqual(['_id', 'at', 'direction', 'fields', 'matched', 'mti']);
  });

  it('a batch document › each message whole, in the order made, its time a Date, no undefined keys', () => {
    const { _id, at: time, ...rest } = whole;
    const echo = { _id: 'm3', direction: 'out', mti: '0800', matched: true, fields: { '70': '301' } };
    const stored = {
      _id: 'b1',
      at: time,
      rrns: [whole.rrn],
      messages: JSON.stringify([
        { _id, ...rest, at: time.toISOString() },
        { ...echo, at: '2026-11-27T00:00:00.005Z' },
      ]),
    };
    expect(readBankMessages(stored)).toEqual([whole, { ...echo, at: new Date('2026-11-27T00:00:00.005Z') }]);
  });

  it('a record stored one by one (before) › readBankMessages gives it alone', () => {
    expect(readBankMessages(whole)).toEqual([whole]);
  });
});
