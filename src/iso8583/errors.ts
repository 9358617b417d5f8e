// The one error class of the ISO 8583 module: every malformed message, frame or conversion ends here with a stable
// code and the field at fault. Messages describe positions and lengths only: never a field's value (a PAN, a track,
// a PIN block), so an error can be logged as it is.

/** Stable codes of {@link Iso8583Error}; callers branch on these, never on the message text. */
export const ISO8583_ERROR_CODES = [
  /** The input ended before the MTI, the bitmap, a length prefix or a field's value did. */
  'truncated',
  /** The MTI is not four ASCII digits. */
  'invalid_mti',
  /** The MTI is well formed but is not one of the message types settleflow exchanges. */
  'unsupported_mti',
  /** A field number outside 2..128, or a field this profile does not define (set in the bitmap or in a message). */
  'unsupported_field',
  /** A variable field's length prefix is not ASCII digits. */
  'invalid_length_prefix',
  /** A value is longer than its field allows, or a fixed field's value has the wrong length. */
  'invalid_length',
  /** A value holds a character its field's type does not allow. */
  'invalid_character',
  /** A binary field was given a string, or a character field a Buffer. */
  'invalid_value_type',
  /** Bytes were left after the last field the bitmap announced. */
  'trailing_bytes',
  /** The packed message would not fit in a frame. */
  'message_too_long',
  /** A frame's length header announces zero bytes. */
  'empty_frame',
  /** A frame's length header announces more than the maximum frame length. */
  'frame_too_long',
  /** A message type's mandatory field is absent. */
  'missing_field',
  /** A field not allowed in this message type is present. */
  'unexpected_field',
  /** A field is well formed for its type but its content makes no sense for the conversion (a bad date, code). */
  'invalid_field_value',
  /** A JSON payment message does not match its schema (see `param`). */
  'invalid_json_message',
] as const;

/** One of {@link ISO8583_ERROR_CODES}. */
export type Iso8583ErrorCode = (typeof ISO8583_ERROR_CODES)[number];

/**
 * A malformed ISO 8583 message, frame or conversion input. The only error the module throws.
 *
 * `field` is the ISO 8583 field number at fault (0 for the MTI, 1 for the bitmap) when there is one; `param` is the
 * JSON path at fault for the JSON conversions. The message never contains a field's value.
 */
export class Iso8583Error extends Error {
  /** Stable machine-readable code. */
  readonly code: Iso8583ErrorCode;
  /** The ISO 8583 field number at fault, when one is. */
  readonly field: number | undefined;
  /** The JSON property at fault (dot notation), for conversion errors. */
  readonly param: string | undefined;

  constructor(code: Iso8583ErrorCode, message: string, field?: number, param?: string) {
    super(field === undefined ? message : `field ${field}: ${message}`);
    this.name = 'Iso8583Error';
    this.code = code;
    this.field = field;
    this.param = param;
  }
}
