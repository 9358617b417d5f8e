// The message types settleflow exchanges with the bank host, as data: for each MTI, the fields it must carry, the
// fields it may carry, its response MTI and the fields a response echoes from its request. `responseTo` builds a
// response skeleton from a request; `checkMessageType` enforces the table. Pure: no I/O.

import { Iso8583Error } from './errors';
import type { IsoMessage, IsoValue } from './message';
import { wrapMessage } from './message';

/** One message type of the profile. */
export interface MessageTypeSpec {
  readonly mti: string;
  readonly name: string;
  /** What settleflow uses it for. */
  readonly use: string;
  /** Fields that must be present. */
  readonly mandatory: readonly number[];
  /** Fields that may be present besides the mandatory ones. Any other field is refused. */
  readonly optional: readonly number[];
  /** For a request: the MTI of its response. */
  readonly responseMti?: string;
  /** For a request: the fields its response copies from it when present (amount, currency, STAN, RRN, ...). */
  readonly echoed?: readonly number[];
}

const ascending = (...lists: ReadonlyArray<readonly number[]>): number[] => lists.flat().sort((a, b) => a - b);

const CARD_REQUEST_MANDATORY = [2, 3, 4, 7, 11, 12, 13, 14, 18, 22, 25, 32, 37, 41, 42, 49];
const CARD_REQUEST_OPTIONAL = [35, 43, 52, 54, 55, 60, 61, 62, 63, 64, 102, 103, 128];
const CARD_RESPONSE_MANDATORY = [3, 4, 7, 11, 32, 37, 39, 41, 49];
const CARD_RESPONSE_OPTIONAL = [2, 12, 13, 38, 42, 44, 54, 55, 60, 62, 63, 64, 102, 103, 128];
const CARD_ECHOED = [3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 60, 62, 102, 103];
const ADVICE_MANDATORY = [2, 3, 4, 7, 11, 32, 37, 38, 41, 42, 49];
const ADVICE_OPTIONAL = [12, 13, 14, 18, 22, 25, 43, 60, 62, 63, 64, 90, 95, 128];
const REVERSAL_MANDATORY = [2, 3, 4, 7, 11, 32, 37, 41, 42, 49, 90];
const REVERSAL_OPTIONAL = [12, 13, 14, 18, 22, 25, 38, 43, 60, 62, 63, 64, 95, 128];
const REVERSAL_RESPONSE_MANDATORY = [3, 4, 7, 11, 32, 37, 39, 41, 49, 90];
const REVERSAL_RESPONSE_OPTIONAL = [2, 38, 42, 44, 60, 62, 63, 64, 95, 128];
const REVERSAL_ECHOED = [3, 4, 7, 11, 32, 37, 38, 41, 42, 49, 60, 62, 90, 95];
const RECONCILIATION_TOTALS = [74, 75, 76, 77, 86, 87, 88, 89, 97];

/** The message types of the profile, requests before their responses. */
export const MESSAGE_TYPES: readonly MessageTypeSpec[] = [
  {
    mti: '0800',
    name: 'Network management request',
    use: 'sign-on at connect (70=001), sign-off (002), echo keep-alive (301)',
    mandatory: [7, 11, 70],
    optional: [32],
    responseMti: '0810',
    echoed: [7, 11, 32, 70],
  },
  {
    mti: '0810',
    name: 'Network management response',
    use: 'answers 0800',
    mandatory: [7, 11, 39, 70],
    optional: [32],
  },
  {
    mti: '0100',
    name: 'Authorization request',
    use: 'reserves an amount on a card (card payments, e-cash top-ups)',
    mandatory: CARD_REQUEST_MANDATORY,
    optional: CARD_REQUEST_OPTIONAL,
    responseMti: '0110',
    echoed: CARD_ECHOED,
  },
  {
    mti: '0110',
    name: 'Authorization response',
    use: 'answers 0100; 38 carries the authorization code when approved',
    mandatory: CARD_RESPONSE_MANDATORY,
    optional: CARD_RESPONSE_OPTIONAL,
  },
  {
    mti: '0200',
    name: 'Financial request',
    use: 'moves money at once: a purchase captured immediately (3=000000), a refund (3=200000), a micropayment batch',
    mandatory: CARD_REQUEST_MANDATORY,
    optional: CARD_REQUEST_OPTIONAL,
    responseMti: '0210',
    echoed: CARD_ECHOED,
  },
  {
    mti: '0210',
    name: 'Financial response',
    use: 'answers 0200',
    mandatory: CARD_RESPONSE_MANDATORY,
    optional: CARD_RESPONSE_OPTIONAL,
  },
  {
    mti: '0220',
    name: 'Financial transaction advice',
    use: 'captures an authorization (all or part of it): 38 and 90 name the 0100',
    mandatory: ADVICE_MANDATORY,
    optional: ADVICE_OPTIONAL,
    responseMti: '0230',
    echoed: [3, 4, 7, 11, 32, 37, 38, 41, 42, 49, 60, 62, 90],
  },
  {
    mti: '0230',
    name: 'Financial transaction advice response',
    use: 'acknowledges 0220',
    mandatory: CARD_RESPONSE_MANDATORY,
    optional: ascending(CARD_RESPONSE_OPTIONAL, [90]),
  },
  {
    mti: '0400',
    name: 'Reversal request',
    use: 'voids an authorization or undoes a request whose answer never came; 90 names the original, 95 a partial amount',
    mandatory: REVERSAL_MANDATORY,
    optional: REVERSAL_OPTIONAL,
    responseMti: '0410',
    echoed: REVERSAL_ECHOED,
  },
  {
    mti: '0410',
    name: 'Reversal response',
    use: 'answers 0400',
    mandatory: REVERSAL_RESPONSE_MANDATORY,
    optional: REVERSAL_RESPONSE_OPTIONAL,
  },
  {
    mti: '0420',
    name: 'Reversal advice',
    use: 'a reversal the bank must apply; repeated until acknowledged',
    mandatory: REVERSAL_MANDATORY,
    optional: REVERSAL_OPTIONAL,
    responseMti: '0430',
    echoed: REVERSAL_ECHOED,
  },
  {
    mti: '0430',
    name: 'Reversal advice response',
    use: 'acknowledges 0420',
    mandatory: REVERSAL_RESPONSE_MANDATORY,
    optional: REVERSAL_RESPONSE_OPTIONAL,
  },
  {
    mti: '0500',
    name: 'Acquirer reconciliation request',
    use: "the gateway's totals for a settlement date and currency, for the bank to compare with its own",
    mandatory: [7, 11, 15, 50, ...RECONCILIATION_TOTALS],
    optional: [32, 64, 128],
    responseMti: '0510',
    echoed: [7, 11, 15, 32, 50, ...RECONCILIATION_TOTALS],
  },
  {
    mti: '0510',
    name: 'Acquirer reconciliation response',
    use: "answers 0500; 66 says whether the totals agree, the totals are the bank's",
    mandatory: [7, 11, 15, 39, 50, 66],
    optional: ascending([32, 64, 128], RECONCILIATION_TOTALS),
  },
];

const BY_MTI: ReadonlyMap<string, MessageTypeSpec> = new Map(MESSAGE_TYPES.map((spec) => [spec.mti, spec]));

/** The spec of an MTI, or undefined when settleflow does not exchange it. */
export function messageType(mti: string): MessageTypeSpec | undefined {
  return BY_MTI.get(mti);
}

/** Mandatory fields of the message's type that it lacks, ascending (all of them when the MTI is unknown: none). */
export function missingFields(message: IsoMessage): number[] {
  const spec = BY_MTI.get(message.mti);
  return spec === undefined ? [] : spec.mandatory.filter((field) => !message.fields.has(field));
}

/**
 * Checks a message against its type's row: a known MTI, every mandatory field present, no field outside
 * mandatory + optional. (Field formats are pack's and unpack's business.)
 * @throws Iso8583Error `unsupported_mti`, `missing_field` or `unexpected_field` (with the first field at fault)
 */
export function checkMessageType(message: IsoMessage): MessageTypeSpec {
  const spec = BY_MTI.get(message.mti);
  if (spec === undefined) throw new Iso8583Error('unsupported_mti', 'not a message type settleflow exchanges', 0);
  for (const field of spec.mandatory) {
    if (!message.fields.has(field)) throw new Iso8583Error('missing_field', `mandatory in a ${spec.mti}`, field);
  }
  const allowed = ALLOWED.get(spec.mti)!;
  const present = [...message.fields.keys()].sort((a, b) => a - b);
  for (const field of present) {
    if (!allowed.has(field)) throw new Iso8583Error('unexpected_field', `not allowed in a ${spec.mti}`, field);
  }
  return spec;
}

const ALLOWED: ReadonlyMap<string, ReadonlySet<number>> = new Map(
  MESSAGE_TYPES.map((spec) => [spec.mti, new Set([...spec.mandatory, ...spec.optional])]),
);

/**
 * Builds the response skeleton of a request: the response MTI, the request's echoed fields that it carries (amount,
 * currency, STAN, RRN, terminal, original data, ...), field 39 set to `responseCode`, then `extra` fields (which win).
 * @throws Iso8583Error `unsupported_mti` when the request's MTI is not a request of the profile
 */
export function responseTo(
  request: IsoMessage,
  responseCode: string,
  extra: Readonly<Record<number, IsoValue>> = {},
): IsoMessage {
  const spec = BY_MTI.get(request.mti);
  if (spec?.responseMti === undefined || spec.echoed === undefined) {
    throw new Iso8583Error('unsupported_mti', 'not a request settleflow answers', 0);
  }
  const fields = new Map<number, IsoValue>();
  for (const field of spec.echoed) {
    const value = request.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  fields.set(39, responseCode);
  for (const [key, value] of Object.entries(extra)) fields.set(Number(key), value);
  return wrapMessage(spec.responseMti, fields);
}

/** Whether an MTI is a response (third digit odd: 0110, 0210, 0230, 0410, 0430, 0510, 0810). */
export function isResponseMti(mti: string): boolean {
  return mti.length === 4 && (mti.charCodeAt(2) - 0x30) % 2 === 1;
}
