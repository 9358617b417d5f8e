// settleflow's codec against the npm package iso_8583 as an independent oracle: for every message type, packed by
// one and unpacked by the other, both ways. iso_8583's defaults differ in places; docs/iso8583.md lists how both
// sides are configured to agree (bitmap, binary fields as hex, 8-byte MACs, field 55).

import fc from 'fast-check';
import { FIELD_SPECS, MESSAGE_TYPES, isoMessage, messageType, pack, unpack } from '../../src/iso8583';
import type { FieldSpec, IsoMessage, IsoValue } from '../../src/iso8583';
import { sampleMessage } from './samples';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Iso8583Oracle = require('iso_8583') as new (
  message?: Record<string, string>,
  formats?: Record<string, unknown>,
) => {
  getRawMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config: { lenHeader: boolean }): Record<string, string> & { error?: string };
};

/** iso_8583's formats where its defaults differ from ISO 8583:1987 as settleflow packs it. */
const ORACLE_FORMATS = {
  55: { ContentType: 'z', Label: 'ICC data', LenType: 'lllvar', MaxLen: 255 },
  64: { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 },
  128: { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 },
};
const HEX_FIELDS = new Set([52, 64, 128]);
const LATIN1_FIELDS = new Set([55]);

/** The oracle's JSON form of a message: binary fields as hex (52, 64, 128) or as 7-bit text (55). */
function toOracleJson(message: IsoMessage): Record<string, string> {
  const json: Record<string, string> = { 0: message.mti };
  for (const [number, value] of message.fields) {
    json[number] =
      typeof value === 'string' ? value : LATIN1_FIELDS.has(number) ? value.toString('latin1') : value.toString('hex');
  }
  return json;
}

function fromOracleJson(json: Record<string, string>): IsoMessage {
  const fields = new Map<number, IsoValue>();
  for (const [key, value] of Object.entries(json)) {
    const number = Number(key);
    if (number === 0) continue;
    fields.set(
      number,
      HEX_FIELDS.has(number)
        ? Buffer.from(value, 'hex')
        : LATIN1_FIELDS.has(number)
          ? Buffer.from(value, 'latin1')
          : value,
    );
  }
  return isoMessage(json[0]!, fields);
}

function oraclePack(message: IsoMessage): Buffer {
  const raw = new Iso8583Oracle(toOracleJson(message), ORACLE_FORMATS).getRawMessage();
  if (!Buffer.isBuffer(raw)) throw new Error(`iso_8583 could not pack: ${raw.error}`);
  return raw;
}

function oracleUnpack(bytes: Buffer): IsoMessage {
  const json = new Iso8583Oracle(undefined, ORACLE_FORMATS).getIsoJSON(bytes, { lenHeader: false });
  if (json.error !== undefined) throw new Error(`iso_8583 could not unpack: ${json.error}`);
  return fromOracleJson(json);
}

const asRecord = (message: IsoMessage) => ({
  mti: message.mti,
  fields: Object.fromEntries([...message.fields].sort(([a], [b]) => a - b)),
});

// Characters both libraries accept in each class (iso_8583's `ans` refuses @ # \ and some others; its `an` spaces).
const DIGITS = '0123456789';
const ALNUM = `${DIGITS}ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz`;
const ANS = `${ALNUM} -.,/:;*()_+=?!$%&'"<>|~[]{}`;
const TRACK2 = `${DIGITS}=D`;

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((list) => list.join(''));

/** Values of a field that both libraries accept (never empty: iso_8583 drops empty fields). */
function oracleValue(spec: FieldSpec): fc.Arbitrary<IsoValue> {
  const min = spec.lengthType === 'fixed' ? spec.maxLength : 1;
  switch (spec.type) {
    case 'n':
      return chars(DIGITS, min, spec.maxLength);
    case 'an':
      return chars(ALNUM, min, spec.maxLength);
    case 'ans':
      return chars(ANS, min, spec.maxLength);
    case 'z':
      return chars(TRACK2, min, spec.maxLength);
    case 'x+n':
      return fc
        .tuple(fc.constantFrom('C', 'D'), chars(DIGITS, spec.maxLength - 1, spec.maxLength - 1))
        .map(([sign, rest]) => sign + rest);
    case 'b':
      return LATIN1_FIELDS.has(spec.number)
        ? fc
            .uint8Array({ min: 1, max: 0x7f, minLength: 1, maxLength: spec.maxLength })
            .map((bytes) => Buffer.from(bytes))
        : fc.uint8Array({ minLength: spec.maxLength, maxLength: spec.maxLength }).map((bytes) => Buffer.from(bytes));
  }
}

/** Random messages of one type: its mandatory fields and any of its optional ones, with values both libraries take. */
function messagesOf(mti: string): fc.Arbitrary<IsoMessage> {
  const type = messageType(mti)!;
  const specs = new Map(FIELD_SPECS.map((spec) => [spec.number, spec]));
  const mandatory = Object.fromEntries(type.mandatory.map((number) => [number, oracleValue(specs.get(number)!)]));
  const optional = Object.fromEntries(type.optional.map((number) => [number, oracleValue(specs.get(number)!)]));
  return fc
    .record({ mandatory: fc.record(mandatory), optional: fc.record(optional, { requiredKeys: [] }) })
    .map(({ mandatory: fields, optional: more }) =>
      isoMessage(mti, { ...fields, ...more } as Record<number, IsoValue>),
    );
}

describe('iso8583 codec against the iso_8583 oracle', () => {
  describe.each(MESSAGE_TYPES.map((type) => type.mti))('a %s', (mti) => {
    it('packed by settleflow, unpacked by iso_8583: the same fields', () => {
      const message = sampleMessage(mti);

      expect(asRecord(oracleUnpack(pack(message)))).toEqual(asRecord(message));
    });

    it('packed by iso_8583, unpacked by settleflow: the same fields', () => {
      const message = sampleMessage(mti);

      expect(asRecord(unpack(oraclePack(message)))).toEqual(asRecord(message));
    });

    it('random messages of the type agree both ways', () => {
      fc.assert(
        fc.property(messagesOf(mti), (message) => {
          expect(asRecord(oracleUnpack(pack(message)))).toEqual(asRecord(message));
          expect(asRecord(unpack(oraclePack(message)))).toEqual(asRecord(message));
        }),
        { numRuns: 60 },
      );
    });
  });

  it('iso_8583 always sends a secondary bitmap: settleflow reads it, and packs the same fields with a primary one only', () => {
    const message = sampleMessage('0100');
    const theirs = oraclePack(message);

    const ours = pack(unpack(theirs));

    expect(theirs[4]! & 0x80).toBe(0x80);
    expect(ours[4]! & 0x80).toBe(0);
    expect(ours.length).toBe(theirs.length - 8);
  });
});
