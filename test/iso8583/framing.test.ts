import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameSplitter,
  Iso8583Error,
  MAX_PACKED_BYTES,
  decodeFrame,
  encodeFrame,
} from '../../src/iso8583';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof Iso8583Error) return error.code;
    throw error;
  }
  throw new Error('expected an Iso8583Error');
}

describe('iso8583 framing', () => {
  describe('encodeFrame', () => {
    it('prefixes the payload with its length, 2 bytes big-endian', () => {
      expect(encodeFrame(Buffer.alloc(300, 0x41)).subarray(0, 3)).toEqual(Buffer.from([0x01, 0x2c, 0x41]));
    });

    it.each([
      ['an empty payload', 0, 'empty_frame'],
      ['a payload over 65,535 bytes', 0x10000, 'frame_too_long'],
    ])('refuses %s', (_name, length, code) => {
      expect(codeOf(() => encodeFrame(Buffer.alloc(length)))).toBe(code);
    });
  });

  describe('decodeFrame', () => {
    it('returns the payload of exactly one frame', () => {
      expect(decodeFrame(Buffer.from([0, 3, 0x30, 0x31, 0x32])).toString('latin1')).toBe('012');
    });

    it.each([
      ['a lone header byte', [0], 'truncated'],
      ['a frame cut short', [0, 3, 0x30], 'truncated'],
      ['a byte after the frame', [0, 1, 0x30, 0x30], 'trailing_bytes'],
      ['a zero-length header', [0, 0], 'empty_frame'],
      ['a header over the maximum', [0x20, 0x01], 'frame_too_long'],
    ])('refuses %s', (_name, bytes, code) => {
      expect(codeOf(() => decodeFrame(Buffer.from(bytes)))).toBe(code);
    });
  });

  describe('FrameSplitter', () => {
    it('cuts two coalesced frames and a third split inside its header', () => {
      const splitter = new FrameSplitter();

      const first = splitter.push(Buffer.from([0, 1, 0x41, 0, 2, 0x42, 0x43, 0]));
      const second = splitter.push(Buffer.from([1]));
      const third = splitter.push(Buffer.from([0x44]));

      expect(
        first.map((event) => (event.kind === 'frame' ? event.payload.toString('latin1') : event.error.code)),
      ).toEqual(['A', 'BC']);
      expect(second).toEqual([]);
      expect(third.map((event) => (event.kind === 'frame' ? event.payload.toString('latin1') : ''))).toEqual(['D']);
    });

    it('reports a zero-length frame and reads the next one', () => {
      const events = new FrameSplitter().push(Buffer.from([0, 0, 0, 1, 0x41]));

      expect(
        events.map((event) => (event.kind === 'frame' ? event.payload.toString('latin1') : event.error.code)),
      ).toEqual(['empty_frame', 'A']);
    });

    it('skips an oversize frame without buffering it, then reads the next one', () => {
      const splitter = new FrameSplitter({ maxFrameBytes: 4 });

      const refused = splitter.push(Buffer.from([0, 10, 1, 2, 3]));
      const held = splitter.bufferedBytes;
      const rest = splitter.push(Buffer.from([4, 5, 6, 7, 8, 9, 10, 0, 1, 0x5a]));

      expect(refused.map((event) => (event.kind === 'rejected' ? event.error.code : 'frame'))).toEqual([
        'frame_too_long',
      ]);
      expect(held).toBe(0);
      expect(
        rest.map((event) => (event.kind === 'frame' ? event.payload.toString('latin1') : event.error.code)),
      ).toEqual(['Z']);
    });

    it('refuses a maximum frame length a 2-byte header cannot announce', () => {
      expect(() => new FrameSplitter({ maxFrameBytes: 0x10000 })).toThrow(RangeError);
    });

    it('by default takes the longest message the profile can pack', () => {
      expect(MAX_PACKED_BYTES).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
    });
  });
});
