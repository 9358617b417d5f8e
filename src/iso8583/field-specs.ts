// settleflow's ISO 8583:1987 profile as data: every field the gateway and the bank host exchange, with its type,
// length and how it is masked in logs (as moov-io/iso8583 specs and jPOS packagers describe fields). The codec, the
// masking, the message-type rules and docs/iso8583.md are all derived from this table; nothing else defines a field.

/**
 * Character classes of ISO 8583:1987, as settleflow encodes them (one ASCII byte per character):
 * - `n`: digits `0-9`;
 * - `an`: letters `A-Z a-z` and digits;
 * - `ans`: printable ASCII, space to `~` (0x20-0x7E);
 * - `z`: track 2 characters: digits, the separator `=` (or `D`, as EBCDIC-era hosts write it), and `:;<>?`;
 * - `x+n`: `C` (credit) or `D` (debit) followed by digits; the `x` counts in the length;
 * - `b`: binary bytes (a Buffer), carried as they are.
 */
export type FieldType = 'n' | 'an' | 'ans' | 'z' | 'x+n' | 'b';

/** `fixed`: exactly `maxLength`; `LLVAR`/`LLLVAR`: a 2-/3-digit ASCII length prefix, then up to `maxLength`. */
export type LengthType = 'fixed' | 'LLVAR' | 'LLLVAR';

/**
 * How {@link describe} shows a field:
 * - `clear`: as it is;
 * - `pan`: first 6 and last 4 digits, the rest `*` (and nothing at all below 13 characters);
 * - `account`: last 4 characters, the rest `*` (account ids, IBANs);
 * - `secret`: nothing but that it is present (track data, PIN block, CVC, expiry);
 * - `summary`: its size only (ICC data, MAC).
 */
export type MaskRule = 'clear' | 'pan' | 'account' | 'secret' | 'summary';

/** One field of the profile. */
export interface FieldSpec {
  /** Field (data element) number, 2..128. */
  readonly number: number;
  /** ISO 8583:1987 name. */
  readonly name: string;
  readonly type: FieldType;
  readonly lengthType: LengthType;
  /** Characters for character types (the `x` of `x+n` included), bytes for `b`: exact when fixed, maximum else. */
  readonly maxLength: number;
  readonly mask: MaskRule;
  /** What settleflow carries in it, when that is more than the ISO name says. */
  readonly usage?: string;
}

const field = (
  number: number,
  name: string,
  type: FieldType,
  lengthType: LengthType,
  maxLength: number,
  mask: MaskRule = 'clear',
  usage?: string,
): FieldSpec =>
  usage === undefined
    ? { number, name, type, lengthType, maxLength, mask }
    : { number, name, type, lengthType, maxLength, mask, usage };

/** The fields of settleflow's profile, ascending. A field missing here is rejected by pack and unpack. */
export const FIELD_SPECS: readonly FieldSpec[] = [
  field(2, 'Primary account number (PAN)', 'n', 'LLVAR', 19, 'pan'),
  field(3, 'Processing code', 'n', 'fixed', 6, 'clear', '`000000` purchase, `200000` refund'),
  field(4, 'Amount, transaction', 'n', 'fixed', 12, 'clear', 'integer minor units of field 49 (ISO 4217 exponent)'),
  field(7, 'Transmission date and time', 'n', 'fixed', 10, 'clear', 'MMDDhhmmss, UTC'),
  field(11, 'Systems trace audit number (STAN)', 'n', 'fixed', 6),
  field(12, 'Time, local transaction', 'n', 'fixed', 6, 'clear', 'hhmmss (settleflow sends UTC)'),
  field(13, 'Date, local transaction', 'n', 'fixed', 4, 'clear', 'MMDD (settleflow sends UTC)'),
  field(14, 'Date, expiration', 'n', 'fixed', 4, 'secret', 'YYMM'),
  field(15, 'Date, settlement', 'n', 'fixed', 4, 'clear', 'MMDD'),
  field(18, "Merchant's type (MCC)", 'n', 'fixed', 4),
  field(22, 'Point of service entry mode', 'n', 'fixed', 3, 'clear', '`812`: e-commerce, no PIN capability'),
  field(25, 'Point of service condition code', 'n', 'fixed', 2, 'clear', '`59`: e-commerce'),
  field(32, 'Acquiring institution identification code', 'n', 'LLVAR', 11, 'clear', "the gateway's acquirer id"),
  field(35, 'Track 2 data', 'z', 'LLVAR', 37, 'secret'),
  field(37, 'Retrieval reference number (RRN)', 'an', 'fixed', 12),
  field(38, 'Authorization identification response', 'an', 'fixed', 6),
  field(39, 'Response code', 'an', 'fixed', 2, 'clear', 'see the response code table'),
  field(41, 'Card acceptor terminal identification', 'ans', 'fixed', 8),
  field(42, 'Card acceptor identification code', 'ans', 'fixed', 15),
  field(43, 'Card acceptor name/location', 'ans', 'fixed', 40),
  field(44, 'Additional response data', 'ans', 'LLVAR', 25),
  field(49, 'Currency code, transaction', 'n', 'fixed', 3, 'clear', 'ISO 4217 numeric'),
  field(50, 'Currency code, settlement', 'n', 'fixed', 3, 'clear', 'ISO 4217 numeric; the currency of a 0500'),
  field(52, 'Personal identification number (PIN) data', 'b', 'fixed', 8, 'secret'),
  field(
    54,
    'Additional amounts',
    'an',
    'LLLVAR',
    120,
    'clear',
    '20-character groups: account type, amount type, currency, C/D, n12',
  ),
  field(55, 'ICC system related data', 'b', 'LLLVAR', 255, 'summary', 'EMV TLV data; the prefix counts bytes'),
  field(60, 'Reserved private', 'ans', 'LLLVAR', 999, 'clear', "settleflow's payment reference"),
  field(61, 'Reserved private', 'ans', 'LLLVAR', 999, 'secret', 'card verification code (CVC2)'),
  field(62, 'Reserved private', 'ans', 'LLLVAR', 999, 'clear', 'order reference'),
  field(63, 'Reserved private', 'ans', 'LLLVAR', 999, 'clear', 'free text (decline detail from the bank)'),
  field(64, 'Message authentication code (MAC)', 'b', 'fixed', 8, 'summary', 'when no secondary bitmap'),
  field(66, 'Settlement code', 'n', 'fixed', 1, 'clear', '`1` in balance, `2` out of balance, `3` error'),
  field(
    70,
    'Network management information code',
    'n',
    'fixed',
    3,
    'clear',
    '`001` sign-on, `002` sign-off, `301` echo',
  ),
  field(74, 'Credits, number', 'n', 'fixed', 10),
  field(75, 'Credits, reversal number', 'n', 'fixed', 10),
  field(76, 'Debits, number', 'n', 'fixed', 10),
  field(77, 'Debits, reversal number', 'n', 'fixed', 10),
  field(86, 'Credits, amount', 'n', 'fixed', 16, 'clear', 'minor units of field 50'),
  field(87, 'Credits, reversal amount', 'n', 'fixed', 16, 'clear', 'minor units of field 50'),
  field(88, 'Debits, amount', 'n', 'fixed', 16, 'clear', 'minor units of field 50'),
  field(89, 'Debits, reversal amount', 'n', 'fixed', 16, 'clear', 'minor units of field 50'),
  field(
    90,
    'Original data elements',
    'n',
    'fixed',
    42,
    'clear',
    'original MTI n4, STAN n6, field 7 n10, acquirer n11, forwarder n11',
  ),
  field(
    95,
    'Replacement amounts',
    'an',
    'fixed',
    42,
    'clear',
    'actual amount n12, settlement amount n12, two fees x+n8 (C00000000)',
  ),
  field(97, 'Amount, net settlement', 'x+n', 'fixed', 17, 'clear', 'C: net owed to the acquirer; D: owed by it'),
  field(102, 'Account identification 1', 'ans', 'LLVAR', 28, 'account', 'account debited'),
  field(103, 'Account identification 2', 'ans', 'LLVAR', 28, 'account', 'account credited (an e-cash wallet)'),
  field(128, 'Message authentication code (MAC)', 'b', 'fixed', 8, 'summary', 'when a secondary bitmap is present'),
];

/** The spec of a field number, or undefined when the profile does not define it. */
export function fieldSpec(number: number): FieldSpec | undefined {
  return FIELD_SPECS_BY_NUMBER[number];
}

const FIELD_SPECS_BY_NUMBER: ReadonlyArray<FieldSpec | undefined> = (() => {
  const byNumber: Array<FieldSpec | undefined> = new Array<FieldSpec | undefined>(129).fill(undefined);
  for (const spec of FIELD_SPECS) byNumber[spec.number] = spec;
  return byNumber;
})();

/** The 1987 notation of a field's format, as docs and descriptions show it (`n..19 LLVAR`, `b 8 bytes`). */
export function formatNotation(spec: FieldSpec): string {
  const size = spec.type === 'b' ? `${spec.maxLength} bytes` : `${spec.maxLength}`;
  const typeName = spec.type === 'x+n' ? 'x+n' : spec.type;
  if (spec.lengthType === 'fixed')
    return spec.type === 'b' ? `b, ${size}` : `${typeName}${spec.type === 'x+n' ? spec.maxLength - 1 : size}`;
  return spec.type === 'b'
    ? `b..${spec.maxLength} bytes, ${spec.lengthType}`
    : `${typeName}..${size}, ${spec.lengthType}`;
}
