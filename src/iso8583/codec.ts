// settleflow's ISO 8583:1987 codec: `pack` turns a message into bytes, `unpack` turns bytes into a message, both
// driven by the field specs (field-specs.ts) compiled once into flat tables. Pure and synchronous: no I/O, no logging.
// unpack never throws anything but Iso8583Error, never reads past its input, and allocates at most in proportion to it.
//
// Wire layout (docs/iso8583.md): MTI as 4 ASCII digits; primary bitmap as 8 binary bytes, then the secondary bitmap
// (8 more bytes) only when a field above 64 is present; then each present field in ascending order. Character
// fields are one ASCII byte per character; variable fields start with their length as 2 or 3 ASCII digits
// (characters, or bytes for binary fields).

import { Iso8583Error } from './errors';
import { FIELD_SPECS } from './field-specs';
import type { FieldType } from './field-specs';
import type { IsoMessage, IsoValue } from './message';
import { wrapMessage } from './message';

/** The largest message a 2-byte length header can frame; pack refuses anything longer. */
export const MAX_MESSAGE_BYTES = 0xffff;

const MTI_BYTES = 4;
const BITMAP_BYTES = 8;
const FIELD_COUNT = 128;

// Character classes, indexed by char code (0..127); 1 = allowed.
const charTable = (allowed: (code: number) => boolean): Uint8Array => {
  const table = new Uint8Array(128);
  for (let code = 0; code < 128; code++) table[code] = allowed(code) ? 1 : 0;
  return table;
};
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const CHAR_TABLES: Readonly<Record<Exclude<FieldType, 'b'>, Uint8Array>> = {
  n: charTable(isDigit),
  an: charTable((c) => isDigit(c) || isLetter(c)),
  ans: charTable((c) => c >= 0x20 && c <= 0x7e),
  // Track 2: digits, '=' and ':;<>?' (0x30-0x3f), and 'D' as a field separator.
  z: charTable((c) => (c >= 0x30 && c <= 0x3f) || c === 0x44),
  // x+n: the sign is checked apart; the table covers the digits after it.
  'x+n': charTable(isDigit),
};
const SIGN_C = 0x43;
const SIGN_D = 0x44;

// The compiled profile: flat tables indexed by field number (0 = field not in the profile).
const KIND_NONE = 0;
const KIND_CHARS = 1;
const KIND_SIGNED = 2;
const KIND_BINARY = 3;
const kindOf = new Uint8Array(FIELD_COUNT + 1);
const prefixDigitsOf = new Uint8Array(FIELD_COUNT + 1);
const maxLengthOf = new Uint16Array(FIELD_COUNT + 1);
const charTableOf: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(FIELD_COUNT + 1).fill(undefined);
for (const spec of FIELD_SPECS) {
  kindOf[spec.number] = spec.type === 'b' ? KIND_BINARY : spec.type === 'x+n' ? KIND_SIGNED : KIND_CHARS;
  prefixDigitsOf[spec.number] = spec.lengthType === 'LLVAR' ? 2 : spec.lengthType === 'LLLVAR' ? 3 : 0;
  maxLengthOf[spec.number] = spec.maxLength;
  charTableOf[spec.number] = spec.type === 'b' ? undefined : CHAR_TABLES[spec.type];
}

/** The longest message the profile can produce (every field present at its maximum length). */
export const MAX_PACKED_BYTES: number = FIELD_SPECS.reduce(
  (total, spec) => total + prefixDigitsOf[spec.number]! + spec.maxLength,
  MTI_BYTES + 2 * BITMAP_BYTES,
);

// Pack's bitmap words (fields 1-32, 33-64, 65-96, 97-128); pack is synchronous, so one scratch array serves all calls.
const bitmapWords = new Uint32Array(4);

/**
 * Packs a message into its wire form (without a length header).
 * @throws Iso8583Error `invalid_mti`, `unsupported_field`, `invalid_value_type`, `invalid_length`,
 *   `invalid_character` or `message_too_long`
 */
export function pack(message: IsoMessage): Buffer {
  return packWithHeader(message, 0);
}

/**
 * Packs a message with its 2-byte big-endian length header, in one allocation: what goes on the TCP connection.
 * @throws Iso8583Error as {@link pack}
 */
export function packFrame(message: IsoMessage): Buffer {
  return packWithHeader(message, 2);
}

function packWithHeader(message: IsoMessage, headerBytes: number): Buffer {
  const mti = message.mti;
  if (typeof mti !== 'string' || mti.length !== MTI_BYTES || !allDigits(mti)) {
    throw new Iso8583Error('invalid_mti', 'the MTI must be 4 ASCII digits', 0);
  }
  bitmapWords.fill(0);
  let size = MTI_BYTES + BITMAP_BYTES;
  let secondary = false;
  for (const [number, value] of message.fields) {
    if (
      typeof number !== 'number' ||
      !Number.isInteger(number) ||
      number < 2 ||
      number > FIELD_COUNT ||
      kindOf[number] === KIND_NONE
    ) {
      throw new Iso8583Error(
        'unsupported_field',
        "not a field of settleflow's ISO 8583 profile",
        typeof number === 'number' ? number : undefined,
      );
    }
    const kind = kindOf[number]!;
    const isString = typeof value === 'string';
    if (kind === KIND_BINARY ? isString || !(value instanceof Uint8Array) : !isString) {
      throw new Iso8583Error(
        'invalid_value_type',
        kind === KIND_BINARY ? 'a binary field takes a Buffer' : 'a character field takes a string',
        number,
      );
    }
    const length = value.length;
    const prefixDigits = prefixDigitsOf[number]!;
    const maxLength = maxLengthOf[number]!;
    if (prefixDigits === 0 ? length !== maxLength : length > maxLength) {
      throw new Iso8583Error(
        'invalid_length',
        `length ${length}, the field takes ${prefixDigits === 0 ? 'exactly' : 'at most'} ${maxLength}`,
        number,
      );
    }
    size += prefixDigits + length;
    const index = number - 1;
    bitmapWords[index >>> 5]! |= 0x80000000 >>> (index & 31);
    if (number > 64) secondary = true;
  }
  if (secondary) {
    size += BITMAP_BYTES;
    bitmapWords[0]! |= 0x80000000;
  }
  if (size > MAX_MESSAGE_BYTES)
    throw new Iso8583Error('message_too_long', `the message would take ${size} bytes, more than ${MAX_MESSAGE_BYTES}`);

  const out = Buffer.allocUnsafe(headerBytes + size);
  let pos = 0;
  if (headerBytes === 2) {
    out[0] = size >>> 8;
    out[1] = size & 0xff;
    pos = 2;
  }
  for (let i = 0; i < MTI_BYTES; i++) out[pos + i] = mti.charCodeAt(i);
  pos += MTI_BYTES;
  const words = secondary ? 4 : 2;
  for (let w = 0; w < words; w++) {
    const word = bitmapWords[w]!;
    out[pos] = word >>> 24;
    out[pos + 1] = (word >>> 16) & 0xff;
    out[pos + 2] = (word >>> 8) & 0xff;
    out[pos + 3] = word & 0xff;
    pos += 4;
  }
  const fields = message.fields;
  for (let w = 0; w < words; w++) {
    let word = bitmapWords[w]! | 0;
    if (w === 0) word &= 0x7fffffff;
    while (word !== 0) {
      const leading = Math.clz32(word);
      word ^= 0x80000000 >>> leading;
      const number = (w << 5) + leading + 1;
      pos = writeField(out, pos, number, fields.get(number)!);
    }
  }
  return out;
}

function writeField(out: Buffer, start: number, number: number, value: IsoValue): number {
  let pos = start;
  const length = value.length;
  const prefixDigits = prefixDigitsOf[number]!;
  if (prefixDigits === 3) {
    out[pos++] = 0x30 + ((length / 100) | 0);
    out[pos++] = 0x30 + (((length / 10) | 0) % 10);
    out[pos++] = 0x30 + (length % 10);
  } else if (prefixDigits === 2) {
    out[pos++] = 0x30 + ((length / 10) | 0);
    out[pos++] = 0x30 + (length % 10);
  }
  if (typeof value !== 'string') {
    out.set(value, pos);
    return pos + length;
  }
  const table = charTableOf[number]!;
  let i = 0;
  if (kindOf[number] === KIND_SIGNED) {
    const sign = value.charCodeAt(0);
    if (sign !== SIGN_C && sign !== SIGN_D)
      throw new Iso8583Error('invalid_character', 'an x+n value starts with C or D', number);
    out[pos] = sign;
    i = 1;
  }
  for (; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127 || table[code] === 0) throw characterError(number, i);
    out[pos + i] = code;
  }
  return pos + length;
}

/**
 * Unpacks one message (without its length header).
 * Never throws anything but Iso8583Error; never reads past the input; allocates at most in proportion to it.
 * @throws Iso8583Error `truncated`, `invalid_mti`, `unsupported_field`, `invalid_length_prefix`, `invalid_length`,
 *   `invalid_character`, `trailing_bytes`, `message_too_long` or `invalid_value_type` (input not bytes)
 */
export function unpack(input: Uint8Array): IsoMessage {
  if (!(input instanceof Uint8Array)) throw new Iso8583Error('invalid_value_type', 'unpack takes a Buffer');
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const end = bytes.length;
  if (end > MAX_MESSAGE_BYTES)
    throw new Iso8583Error('message_too_long', `${end} bytes, more than ${MAX_MESSAGE_BYTES}`);
  if (end < MTI_BYTES + BITMAP_BYTES)
    throw new Iso8583Error('truncated', `${end} bytes, too short for an MTI and a bitmap`);
  for (let i = 0; i < MTI_BYTES; i++) {
    const code = bytes[i]!;
    if (code < 0x30 || code > 0x39) throw new Iso8583Error('invalid_mti', 'the MTI must be 4 ASCII digits', 0);
  }
  const secondary = (bytes[MTI_BYTES]! & 0x80) !== 0;
  const bitmapBytes = secondary ? 2 * BITMAP_BYTES : BITMAP_BYTES;
  if (end < MTI_BYTES + bitmapBytes) throw new Iso8583Error('truncated', 'the secondary bitmap is cut short', 1);
  let pos = MTI_BYTES + bitmapBytes;
  const fields = new Map<number, IsoValue>();
  // One native decode of the whole input; each field is then a substring of it (cheaper than a decode per field).
  const text = (bytes as Latin1Buffer).latin1Slice(0, end);
  for (let b = 0; b < bitmapBytes; b++) {
    let byte = bytes[MTI_BYTES + b]!;
    if (b === 0) byte &= 0x7f;
    while (byte !== 0) {
      const bit = Math.clz32(byte) - 24;
      byte ^= 0x80 >>> bit;
      const number = (b << 3) + bit + 1;
      pos = readField(bytes, text, pos, end, number, fields);
    }
  }
  if (pos !== end) throw new Iso8583Error('trailing_bytes', `${end - pos} bytes after the last field`);
  return wrapMessage(text.slice(0, MTI_BYTES), fields);
}

function readField(
  bytes: Buffer,
  text: string,
  start: number,
  end: number,
  number: number,
  fields: Map<number, IsoValue>,
): number {
  const kind = kindOf[number]!;
  if (kind === KIND_NONE)
    throw new Iso8583Error('unsupported_field', "set in the bitmap but not a field of settleflow's profile", number);
  let pos = start;
  const prefixDigits = prefixDigitsOf[number]!;
  const maxLength = maxLengthOf[number]!;
  let length = maxLength;
  if (prefixDigits !== 0) {
    if (pos + prefixDigits > end)
      throw new Iso8583Error('truncated', 'the input ends inside the length prefix', number);
    length = 0;
    for (let i = 0; i < prefixDigits; i++) {
      const digit = bytes[pos + i]! - 0x30;
      if (digit < 0 || digit > 9)
        throw new Iso8583Error('invalid_length_prefix', 'the length prefix is not ASCII digits', number);
      length = length * 10 + digit;
    }
    pos += prefixDigits;
    if (length > maxLength)
      throw new Iso8583Error('invalid_length', `length ${length}, the field takes at most ${maxLength}`, number);
  }
  const valueEnd = pos + length;
  if (valueEnd > end)
    throw new Iso8583Error('truncated', `the input ends inside the value (${length} bytes announced)`, number);
  if (kind === KIND_BINARY) {
    fields.set(number, Buffer.from(bytes.subarray(pos, valueEnd)));
    return valueEnd;
  }
  const table = charTableOf[number]!;
  let i = pos;
  if (kind === KIND_SIGNED) {
    const sign = bytes[pos];
    if (length === 0 || (sign !== SIGN_C && sign !== SIGN_D))
      throw new Iso8583Error('invalid_character', 'an x+n value starts with C or D', number);
    i++;
  }
  for (; i < valueEnd; i++) {
    const code = bytes[i]!;
    if (code > 127 || table[code] === 0) throw characterError(number, i - pos);
  }
  fields.set(number, text.slice(pos, valueEnd));
  return valueEnd;
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

function characterError(number: number, index: number): Iso8583Error {
  return new Iso8583Error('invalid_character', `character ${index + 1} is not allowed by the field's type`, number);
}

/** Node's native latin1 decoder (what `toString('latin1', start, end)` calls), without its argument handling. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };
