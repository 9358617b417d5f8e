// Properties of the ISO 8583 module over random input (fast-check): valid messages round-trip, any bytes unpack to a
// message or an Iso8583Error and nothing else, the frame splitter finds the same frames however the stream is cut
// and recovers after a refused frame, and masking never shows a PAN's middle digits.

import fc from 'fast-check';
import {
  FIELD_SPECS,
  FrameSplitter,
  Iso8583Error,
  describe as describeMessage,
  encodeFrame,
  isoMessage,
  maskPan,
  maskedFields,
  pack,
  packFrame,
  unpack,
} from '../../src/iso8583';
import type { FieldSpec, FrameEvent, IsoMessage, IsoValue } from '../../src/iso8583';
import { sampleMessage } from './samples';

const ALPHABETS: Record<Exclude<FieldSpec['type'], 'b' | 'x+n'>, string> = {
  n: '0123456789',
  an: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  ans: Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join(''),
  z: '0123456789:;<=>?D',
};

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((list) => list.join(''));

function anyValue(spec: FieldSpec): fc.Arbitrary<IsoValue> {
  const min = spec.lengthType === 'fixed' ? spec.maxLength : 0;
  if (spec.type === 'b')
    return fc.uint8Array({ minLength: min, maxLength: spec.maxLength }).map((bytes) => Buffer.from(bytes));
  if (spec.type === 'x+n') {
    return fc
      .tuple(fc.constantFrom('C', 'D'), chars('0123456789', spec.maxLength - 1, spec.maxLength - 1))
      .map(([sign, rest]) => sign + rest);
  }
  return chars(ALPHABETS[spec.type], min, spec.maxLength);
}

/** Any valid message of the profile: a 4-digit MTI and any subset of the fields, each with a valid value. */
const anyMessage: fc.Arbitrary<IsoMessage> = fc
  .tuple(
    chars('0123456789', 4, 4),
    fc.record(Object.fromEntries(FIELD_SPECS.map((spec) => [spec.number, anyValue(spec)])), { requiredKeys: [] }),
  )
  .map(([mti, fields]) => isoMessage(mti, fields as Record<number, IsoValue>));

const asRecord = (message: IsoMessage) => ({
  mti: message.mti,
  fields: Object.fromEntries([...message.fields].sort(([a], [b]) => a - b)),
});

/** Unpacks, and fails the property on any exception that is not an Iso8583Error. */
function unpackOrCodecError(bytes: Uint8Array): IsoMessage | Iso8583Error {
  try {
    return unpack(bytes);
  } catch (error) {
    if (error instanceof Iso8583Error) return error;
    throw error;
  }
}

/** Cuts a buffer at the given (sorted, deduplicated) points. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const edges = [...new Set(points.map((point) => point % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const edge of [...edges, bytes.length]) {
    chunks.push(bytes.subarray(start, edge));
    start = edge;
  }
  return chunks;
}

const payloads = (events: FrameEvent[]) => events.flatMap((event) => (event.kind === 'frame' ? [event.payload] : []));

describe('iso8583 properties', () => {
  it('codec › any valid message › unpacks to itself', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        expect(asRecord(unpack(pack(message)))).toEqual(asRecord(message));
      }),
      { numRuns: 500 },
    );
  });

  it('unpack › random bytes › give a message or an Iso8583Error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        unpackOrCodecError(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('unpack › random bytes after a valid MTI and bitmap › give a message or an Iso8583Error', () => {
    const head = pack(sampleMessage('0100')).subarray(0, 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        unpackOrCodecError(Buffer.concat([head, tail]));
      }),
      { numRuns: 2000 },
    );
  });

  it('unpack › a valid message with bytes flipped, cut or inserted › gives a message or an Iso8583Error', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 5 }), (message, mutations) => {
        let bytes = Buffer.from(pack(message));
        for (const { kind, at, byte } of mutations) {
          const index = at % (bytes.length + 1);
          if (kind === 'flip' && index < bytes.length) bytes[index] = byte;
          if (kind === 'cut') bytes = bytes.subarray(0, index);
          if (kind === 'insert')
            bytes = Buffer.concat([bytes.subarray(0, index), Buffer.from([byte]), bytes.subarray(index)]);
        }
        const result = unpackOrCodecError(bytes);
        // Whatever unpack accepts is a valid message: it packs again and reads back the same.
        if (!(result instanceof Iso8583Error)) expect(asRecord(unpack(pack(result)))).toEqual(asRecord(result));
      }),
      { numRuns: 1000 },
    );
  });

  it('frame splitter › frames cut at any points › gives back exactly the frames sent, in order', () => {
    fc.assert(
      fc.property(
        fc.array(anyMessage, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, points) => {
          const stream = Buffer.concat(messages.map((message) => packFrame(message)));
          const splitter = new FrameSplitter();

          const events = cut(stream, points).flatMap((chunk) => splitter.push(chunk));

          expect(events.every((event) => event.kind === 'frame')).toBe(true);
          expect(payloads(events).map((payload) => asRecord(unpack(payload)))).toEqual(messages.map(asRecord));
          expect(splitter.idle).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('frame splitter › an oversize frame among good ones, cut anywhere › is refused and skipped, the others come through', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 513, max: 3000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        (oversize, points, junk) => {
          const before = packFrame(sampleMessage('0800'));
          const after = packFrame(sampleMessage('0100'));
          const body = Buffer.alloc(oversize, 0);
          Buffer.from(junk).copy(body);
          const header = Buffer.from([oversize >> 8, oversize & 0xff]);
          const stream = Buffer.concat([before, header, body, after]);
          const splitter = new FrameSplitter({ maxFrameBytes: 512 });

          const events = cut(stream, points).flatMap((chunk) => splitter.push(chunk));

          expect(events.map((event) => (event.kind === 'frame' ? 'frame' : event.error.code))).toEqual([
            'frame',
            'frame_too_long',
            'frame',
          ]);
          expect(payloads(events)).toEqual([before.subarray(2), after.subarray(2)]);
          expect(splitter.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('frame splitter › random bytes › never hold more than one maximum frame, never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const splitter = new FrameSplitter({ maxFrameBytes: 256 });
        for (const chunk of chunks) {
          for (const event of splitter.push(chunk))
            if (event.kind === 'frame') expect(event.payload.length).toBeLessThanOrEqual(256);
          expect(splitter.bufferedBytes).toBeLessThanOrEqual(256);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('masking › any PAN › never shows the digits between the first 6 and the last 4', () => {
    fc.assert(
      fc.property(chars('0123456789', 0, 19), (pan) => {
        const masked = maskPan(pan);
        const described = describeMessage(isoMessage('0100', { 2: pan }));
        const middle = pan.slice(6, Math.max(6, pan.length - 4));

        expect(masked).toHaveLength(pan.length);
        for (let i = 6; i < pan.length - 4; i++) expect(masked[i]).toBe('*');
        if (pan.length < 13) expect(masked).toBe('*'.repeat(pan.length));
        if (middle.length >= 4) {
          expect(described).not.toContain(middle);
          expect(JSON.stringify(maskedFields(unpack(pack(isoMessage('0100', { 2: pan })))))).not.toContain(middle);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('masking › any message › shows no track 2, PIN block, CVC or expiry value', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const masked = maskedFields(message);
        for (const field of [14, 35, 52, 61]) {
          if (message.fields.has(field)) expect(masked[field]).toBe('[masked]');
        }
        if (message.fields.has(55)) expect(masked[55]).toMatch(/^\[\d+ bytes\]$/);
      }),
      { numRuns: 300 },
    );
  });

  it('encodeFrame › any payload of 1..65535 bytes › is read back whole by the splitter', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (payload) => {
        const events = new FrameSplitter({ maxFrameBytes: 0xffff }).push(encodeFrame(payload));

        expect(payloads(events)).toEqual([Buffer.from(payload)]);
      }),
      { numRuns: 200 },
    );
  });
});
