// The in-memory ISO 8583 message: an MTI and its fields by number. Messages built here mask themselves when printed
// (console.log, util.inspect) or serialized (JSON.stringify), so a message that reaches a log by mistake still shows
// no PAN, track, PIN or CVC. Pure: no I/O.

import { describe, maskedFields } from './masking';

/** A field's value: a string of ASCII characters for character fields, a Buffer for binary (`b`) fields. */
export type IsoValue = string | Buffer;

/** An ISO 8583 message: the MTI (four digits, e.g. `0100`) and its fields 2..128 by number (bitmaps are derived). */
export interface IsoMessage {
  readonly mti: string;
  readonly fields: Map<number, IsoValue>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A message that prints and serializes masked; what {@link isoMessage} and `unpack` return. */
class MaskedIsoMessage implements IsoMessage {
  constructor(
    readonly mti: string,
    readonly fields: Map<number, IsoValue>,
  ) {}

  /** JSON.stringify shows the masked fields only. */
  toJSON(): { mti: string; fields: Record<string, string> } {
    return { mti: this.mti, fields: maskedFields(this) };
  }

  /** console.log and util.inspect show the masked description. */
  [INSPECT](): string {
    return `IsoMessage ${describe(this)}`;
  }
}

/**
 * Builds a message from an MTI and its fields, given as a Map or as a record keyed by field number.
 * Values are not checked here: `pack` checks them against the field specs.
 */
export function isoMessage(
  mti: string,
  fields: ReadonlyMap<number, IsoValue> | Readonly<Record<number, IsoValue>>,
): IsoMessage {
  if (fields instanceof Map) return new MaskedIsoMessage(mti, new Map(fields));
  const map = new Map<number, IsoValue>();
  for (const [key, value] of Object.entries(fields)) map.set(Number(key), value);
  return new MaskedIsoMessage(mti, map);
}

/** Wraps an already-built Map without copying it (for the codec's hot path). */
export function wrapMessage(mti: string, fields: Map<number, IsoValue>): IsoMessage {
  return new MaskedIsoMessage(mti, fields);
}

/** The string value of a character field, or undefined when absent (a Buffer there is reported as absent). */
export function stringField(message: IsoMessage, field: number): string | undefined {
  const value = message.fields.get(field);
  return typeof value === 'string' ? value : undefined;
}
