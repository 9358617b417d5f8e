import { inspect } from 'node:util';
import {
  Iso8583Error,
  MAX_MESSAGE_BYTES,
  MESSAGE_TYPES,
  checkMessageType,
  isoMessage,
  pack,
  packFrame,
  unpack,
} from '../../src/iso8583';
import type { IsoMessage } from '../../src/iso8583';
import { SAMPLES, sampleMessage } from './samples';

const BENCH_0100: Record<number, string> = {
  2: '4242424242424242',
  3: '000000',
  4: '000000012550',
  7: '1126143015',
  11: '000042',
  12: '143015',
  13: '1126',
  14: '2812',
  18: '5999',
  22: '812',
  25: '59',
  37: '633014000042',
  41: 'SFGW0001',
  42: 'SELLER-000042  ',
  49: '978',
};

function errorOf(action: () => unknown): Iso8583Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Iso8583Error) return error;
    throw new Error(`expected an Iso8583Error, got ${String(error)}`);
  }
  throw new Error('expected an Iso8583Error, nothing was thrown');
}

const asRecord = (message: IsoMessage) => ({ mti: message.mti, fields: Object.fromEntries(message.fields) });

describe('iso8583 codec', () => {
  describe('pack › a 0100 with 15 fields', () => {
    it('writes the MTI in ASCII, a binary primary bitmap only, and ASCII fields with LL prefixes', () => {
      const bytes = pack(isoMessage('0100', BENCH_0100));

      expect(bytes.subarray(0, 4).toString('latin1')).toBe('0100');
      // Fields 2,3,4,7 | 11,12,13,14 | 18 | 22 | 25 | 37 | 41,42 | 49: no bit 1, so no secondary bitmap.
      expect(bytes.subarray(4, 12).toString('hex')).toBe('723c448008c08000');
      expect(bytes.subarray(12, 30).toString('latin1')).toBe('164242424242424242');
      expect(bytes.length).toBe(4 + 8 + 2 + 16 + 6 + 12 + 10 + 6 + 6 + 4 + 4 + 4 + 3 + 2 + 12 + 8 + 15 + 3);
    });
  });

  describe('pack › a field above 64', () => {
    it('sets bit 1 and sends the secondary bitmap', () => {
      const bytes = pack(isoMessage('0800', { 7: '1126080000', 11: '000001', 70: '301' }));

      expect(bytes.subarray(4, 20).toString('hex')).toBe('82200000000000000400000000000000');
      expect(bytes.subarray(20).toString('latin1')).toBe('1126080000000001301');
    });
  });

  describe('packFrame', () => {
    it('puts the 2-byte big-endian length of the packed message in front of it', () => {
      const message = isoMessage('0100', BENCH_0100);

      const frame = packFrame(message);

      expect(frame.readUInt16BE(0)).toBe(frame.length - 2);
      expect(frame.subarray(2)).toEqual(pack(message));
    });
  });

  describe.each(MESSAGE_TYPES.map((type) => type.mti))('round trip › a %s', (mti) => {
    it('unpacks to the same MTI and fields, and obeys its message type', () => {
      const message = sampleMessage(mti);

      const back = unpack(pack(message));

      expect(asRecord(back)).toEqual(asRecord(message));
      expect(checkMessageType(back).mti).toBe(mti);
    });
  });

  it('samples › cover every message type of the profile', () => {
    expect(SAMPLES.map((entry) => entry.mti).sort()).toEqual(MESSAGE_TYPES.map((type) => type.mti).sort());
  });

  describe('round trip › binary fields', () => {
    it('carries the PIN block, ICC data and MAC byte for byte', () => {
      const icc = Buffer.from('9f2608a1b2c3d4e5f607089f2701809f10120110a00003220000000000000000000000ff', 'hex');
      const message = isoMessage('0200', {
        ...BENCH_0100,
        32: '423935',
        52: Buffer.from('0123456789abcdef', 'hex'),
        55: icc,
        128: Buffer.from('fedcba9876543210', 'hex'),
      });

      const back = unpack(pack(message));

      expect(back.fields.get(52)).toEqual(Buffer.from('0123456789abcdef', 'hex'));
      expect(back.fields.get(55)).toEqual(icc);
      expect(back.fields.get(128)).toEqual(Buffer.from('fedcba9876543210', 'hex'));
    });
  });

  describe('pack › refuses', () => {
    const cases: Array<[string, IsoMessage, string, number | undefined]> = [
      ['a three-digit MTI', isoMessage('100', {}), 'invalid_mti', 0],
      ['a field the profile does not define', isoMessage('0100', { 5: '000000000100' }), 'unsupported_field', 5],
      ['field 1 given as a field', isoMessage('0100', { 1: 'x' }), 'unsupported_field', 1],
      ['field 129', isoMessage('0100', { 129: 'x' }), 'unsupported_field', 129],
      ['a short fixed numeric', isoMessage('0100', { 4: '100' }), 'invalid_length', 4],
      ['a PAN of 20 digits', isoMessage('0100', { 2: '4'.repeat(20) }), 'invalid_length', 2],
      ['a letter in a numeric field', isoMessage('0100', { 3: '00000A' }), 'invalid_character', 3],
      ['a non-ASCII character', isoMessage('0100', { 43: 'Café'.padEnd(40, ' ') }), 'invalid_character', 43],
      ['a string in a binary field', isoMessage('0100', { 52: '0123456789abcdef' }), 'invalid_value_type', 52],
      ['a Buffer in a character field', isoMessage('0100', { 3: Buffer.from('000000') }), 'invalid_value_type', 3],
      ['an x+n without its sign', isoMessage('0500', { 97: '0'.repeat(17) }), 'invalid_character', 97],
      ['a track 2 with a letter', isoMessage('0100', { 35: '4242424242424242X2812' }), 'invalid_character', 35],
    ];
    it.each(cases)('%s', (_name, message, code, field) => {
      const error = errorOf(() => pack(message));

      expect(error.code).toBe(code);
      expect(error.field).toBe(field);
    });
  });

  describe('unpack › refuses', () => {
    const good = pack(isoMessage('0100', BENCH_0100));
    const withByte = (index: number, value: number) => {
      const copy = Buffer.from(good);
      copy[index] = value;
      return copy;
    };
    const cases: Array<[string, Buffer, string, number | undefined]> = [
      ['an empty buffer', Buffer.alloc(0), 'truncated', undefined],
      ['an MTI with a letter', withByte(1, 0x41), 'invalid_mti', 0],
      [
        'a cut secondary bitmap',
        Buffer.from([0x30, 0x38, 0x30, 0x30, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        'truncated',
        1,
      ],
      ['a bit for a field the profile does not define (5)', withByte(4, 0x7c), 'unsupported_field', 5],
      ['a PAN length prefix with a letter', withByte(12, 0x41), 'invalid_length_prefix', 2],
      ['a PAN length of 20', withByte(12, 0x32).fill(0x30, 13, 14), 'invalid_length', 2],
      ['a letter in the processing code', withByte(30, 0x41), 'invalid_character', 3],
      ['a message cut in its last field', good.subarray(0, good.length - 1), 'truncated', 49],
      ['a byte after the last field', Buffer.concat([good, Buffer.from('0')]), 'trailing_bytes', undefined],
      ['more than a frame can carry', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x30), 'message_too_long', undefined],
    ];
    it.each(cases)('%s', (_name, bytes, code, field) => {
      const error = errorOf(() => unpack(bytes));

      expect(error.code).toBe(code);
      expect(error.field).toBe(field);
    });

    it('a value that is not bytes, with invalid_value_type', () => {
      expect(errorOf(() => unpack('0100' as unknown as Buffer)).code).toBe('invalid_value_type');
    });
  });

  describe('errors', () => {
    it('never quote the PAN they are about', () => {
      const pan = '4242424242424242';
      const errors = [
        errorOf(() => pack(isoMessage('0100', { 2: `${pan}X` }))),
        errorOf(() => pack(isoMessage('0100', { 2: `${pan}4242` }))),
        errorOf(() => unpack(pack(isoMessage('0100', { 2: pan })).subarray(0, 20))),
      ];

      for (const error of errors) expect(error.message).not.toContain('424242424242');
    });
  });

  describe('a message printed or serialized by mistake', () => {
    it('shows the PAN masked, and no track, PIN or CVC', () => {
      const message = unpack(
        pack(
          isoMessage('0100', {
            ...BENCH_0100,
            35: '4242424242424242=28121010000012300000',
            52: Buffer.from('0123456789abcdef', 'hex'),
            61: '737',
          }),
        ),
      );

      const printed = [inspect(message), JSON.stringify(message), `${inspect({ nested: message })}`];

      for (const text of printed) {
        expect(text).toContain('424242******4242');
        expect(text).not.toContain('4242424242424242');
        expect(text).not.toContain('2812101');
        expect(text).not.toContain('0123456789abcdef');
        expect(text).not.toContain('737');
      }
    });
  });
});
