// Conversion between the gateway's JSON payment messages (payment-messages.ts) and ISO 8583 messages, one
// conversion per message type, each with `toIso8583` and `fromIso8583`. Field placement is documented in
// docs/iso8583.md. Pure: no clock (the receiver passes the time it received a message, to infer the year ISO 8583
// does not carry), no I/O; errors are Iso8583Error and never quote card data.

import type { z } from 'zod';
import { currencyByAlpha, currencyByNumeric } from './currencies';
import { Iso8583Error } from './errors';
import type { IsoMessage, IsoValue } from './message';
import { wrapMessage } from './message';
import { checkMessageType } from './message-types';
import type {
  AuthorizationRequest,
  CardResponse,
  FinancialAdvice,
  FinancialRequest,
  NetworkManagementRequest,
  NetworkManagementResponse,
  OriginalData,
  ReconciliationRequest,
  ReconciliationResponse,
  ReconciliationTotals,
  ReversalRequest,
  ReversalResponse,
  TransactionAmount,
  TransactionType,
} from './payment-messages';
import {
  authorizationRequestSchema,
  cardResponseSchema,
  financialAdviceSchema,
  financialRequestSchema,
  networkManagementRequestSchema,
  networkManagementResponseSchema,
  reconciliationRequestSchema,
  reconciliationResponseSchema,
  reversalResponseSchema,
  reversalSchema,
} from './payment-messages';
import { withoutUndefined } from '../domain/objects';

/** What the receiver of a message knows that the message does not say. */
export interface ConversionContext {
  /** When the message was received: fields 7, 15 and 90 carry no year, the nearest year to this is taken. */
  readonly receivedAt: Date;
}

/** The conversion of one message type between its JSON form and ISO 8583. */
export interface Iso8583Conversion<T> {
  /** The MTI it produces and accepts. */
  readonly mti: string;
  /** The schema of the JSON form. */
  readonly schema: z.ZodType<T>;
  /**
   * JSON to ISO 8583. The value is checked against the schema first.
   * @throws Iso8583Error `invalid_json_message` (with `param`)
   */
  toIso8583(value: T): IsoMessage;
  /**
   * ISO 8583 to JSON. The message's type rules are checked first (mandatory and allowed fields).
   * @throws Iso8583Error `unsupported_mti`, `missing_field`, `unexpected_field` or `invalid_field_value`
   */
  fromIso8583(message: IsoMessage, context: ConversionContext): T;
}

const PROCESSING_CODES: Readonly<Record<TransactionType, string>> = { purchase: '000000', refund: '200000' };
const NETWORK_CODES: Readonly<Record<NetworkManagementRequest['code'], string>> = {
  sign_on: '001',
  sign_off: '002',
  echo: '301',
};
const SETTLEMENT_CODES: Readonly<Record<ReconciliationResponse['settlementCode'], string>> = {
  in_balance: '1',
  out_of_balance: '2',
  error: '3',
};
/** Card not present, e-commerce: PAN entered electronically (81), no PIN capability (2); condition 59. */
const ECOMMERCE_ENTRY_MODE = '812';
const ECOMMERCE_CONDITION = '59';

const digits = (value: number, width: number): string => String(value).padStart(width, '0');
const invert = <K extends string>(table: Readonly<Record<K, string>>): ReadonlyMap<string, K> =>
  new Map(Object.entries(table).map(([key, code]) => [code as string, key as K]));
const TRANSACTION_TYPES = invert(PROCESSING_CODES);
const NETWORK_CODE_NAMES = invert(NETWORK_CODES);
const SETTLEMENT_CODE_NAMES = invert(SETTLEMENT_CODES);

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue === undefined ? undefined : issue.path.map(String).join('.');
  throw new Iso8583Error(
    'invalid_json_message',
    `${param === undefined || param === '' ? 'message' : param}: ${issue?.message ?? 'invalid'}`,
    undefined,
    param,
  );
}

/** Checks what the JSON schema says about a value rebuilt from ISO fields; a failure is the ISO message's fault. */
function rebuilt<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue === undefined ? '' : issue.path.map(String).join('.');
  throw new Iso8583Error(
    'invalid_field_value',
    `gives an invalid ${param || 'message'}: ${issue?.message ?? 'invalid'}`,
    undefined,
    param,
  );
}

// ---- JSON to ISO field values

function timeFields(transmittedAt: string, fields: Map<number, IsoValue>, withLocal: boolean): void {
  const at = new Date(transmittedAt);
  const mmdd = digits(at.getUTCMonth() + 1, 2) + digits(at.getUTCDate(), 2);
  const hhmmss = digits(at.getUTCHours(), 2) + digits(at.getUTCMinutes(), 2) + digits(at.getUTCSeconds(), 2);
  fields.set(7, mmdd + hhmmss);
  if (withLocal) {
    fields.set(12, hhmmss);
    fields.set(13, mmdd);
  }
}

function amountFields(amount: TransactionAmount, fields: Map<number, IsoValue>): void {
  fields.set(4, digits(amount.amount, 12));
  fields.set(49, currencyByAlpha(amount.currency)!.numeric);
}

function transmissionOf(transmittedAt: string): string {
  const at = new Date(transmittedAt);
  return (
    digits(at.getUTCMonth() + 1, 2) +
    digits(at.getUTCDate(), 2) +
    digits(at.getUTCHours(), 2) +
    digits(at.getUTCMinutes(), 2) +
    digits(at.getUTCSeconds(), 2)
  );
}

function originalDataElements(original: OriginalData): string {
  return (
    original.mti +
    original.stan +
    transmissionOf(original.transmittedAt) +
    original.acquirerId.padStart(11, '0') +
    '0'.repeat(11)
  );
}

function replacementAmounts(amount: number): string {
  return digits(amount, 12) + '0'.repeat(12) + 'C00000000' + 'C00000000';
}

interface CardRequestLike {
  stan: string;
  rrn: string;
  transmittedAt: string;
  acquirerId: string;
  acceptor: AuthorizationRequest['acceptor'];
  amount: TransactionAmount;
  reference: string;
  orderReference?: string | undefined;
  card: { number: string; expMonth?: number | undefined; expYear?: number | undefined; cvc?: string | undefined };
}

function cardRequestFields(value: CardRequestLike, processingCode: string): Map<number, IsoValue> {
  const fields = new Map<number, IsoValue>();
  fields.set(2, value.card.number);
  fields.set(3, processingCode);
  amountFields(value.amount, fields);
  timeFields(value.transmittedAt, fields, true);
  fields.set(11, value.stan);
  if (value.card.expMonth !== undefined && value.card.expYear !== undefined) {
    fields.set(14, digits(value.card.expYear % 100, 2) + digits(value.card.expMonth, 2));
  }
  fields.set(18, value.acceptor.mcc);
  fields.set(22, ECOMMERCE_ENTRY_MODE);
  fields.set(25, ECOMMERCE_CONDITION);
  fields.set(32, value.acquirerId);
  fields.set(37, value.rrn);
  fields.set(41, value.acceptor.terminalId.padEnd(8, ' '));
  fields.set(42, value.acceptor.merchantId.padEnd(15, ' '));
  if (value.acceptor.nameLocation !== undefined) fields.set(43, value.acceptor.nameLocation.padEnd(40, ' '));
  fields.set(60, value.reference);
  if (value.card.cvc !== undefined) fields.set(61, value.card.cvc);
  if (value.orderReference !== undefined) fields.set(62, value.orderReference);
  return fields;
}

function cardResponseFields(value: CardResponse): Map<number, IsoValue> {
  const fields = new Map<number, IsoValue>();
  fields.set(3, PROCESSING_CODES[value.transactionType]);
  amountFields(value.amount, fields);
  timeFields(value.transmittedAt, fields, false);
  fields.set(11, value.stan);
  fields.set(32, value.acquirerId);
  fields.set(37, value.rrn);
  if (value.authorizationCode !== undefined) fields.set(38, value.authorizationCode);
  fields.set(39, value.responseCode);
  fields.set(41, value.terminalId.padEnd(8, ' '));
  if (value.reference !== undefined) fields.set(60, value.reference);
  if (value.orderReference !== undefined) fields.set(62, value.orderReference);
  if (value.detail !== undefined) fields.set(63, value.detail);
  return fields;
}

function totalsFields(value: ReconciliationRequest, fields: Map<number, IsoValue>): void {
  timeFields(value.transmittedAt, fields, false);
  fields.set(11, value.stan);
  fields.set(15, value.settlementDate.slice(5, 7) + value.settlementDate.slice(8, 10));
  if (value.acquirerId !== undefined) fields.set(32, value.acquirerId);
  fields.set(50, currencyByAlpha(value.currency)!.numeric);
  fields.set(74, digits(value.credits.count, 10));
  fields.set(75, digits(value.credits.reversalCount, 10));
  fields.set(76, digits(value.debits.count, 10));
  fields.set(77, digits(value.debits.reversalCount, 10));
  fields.set(86, digits(value.credits.amount, 16));
  fields.set(87, digits(value.credits.reversalAmount, 16));
  fields.set(88, digits(value.debits.amount, 16));
  fields.set(89, digits(value.debits.reversalAmount, 16));
  fields.set(97, (value.netAmount < 0 ? 'D' : 'C') + digits(Math.abs(value.netAmount), 16));
}

// ---- ISO field values to JSON

/** Reads ISO fields for a conversion, with errors naming the field. */
class FieldReader {
  constructor(
    private readonly message: IsoMessage,
    private readonly context: ConversionContext,
  ) {}

  text(field: number): string {
    const value = this.message.fields.get(field);
    if (value === undefined) throw new Iso8583Error('missing_field', 'needed by the conversion', field);
    if (typeof value !== 'string')
      throw new Iso8583Error('invalid_value_type', 'a character field takes a string', field);
    return value;
  }

  optionalText(field: number): string | undefined {
    return this.message.fields.has(field) ? this.text(field) : undefined;
  }

  trimmed(field: number): string {
    return this.text(field).trimEnd();
  }

  integer(field: number): number {
    const text = this.text(field);
    if (!/^\d+$/.test(text)) throw new Iso8583Error('invalid_field_value', 'not digits', field);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new Iso8583Error('invalid_field_value', 'too large to be exact', field);
    return value;
  }

  amount(amountField: number, currencyField: number): TransactionAmount {
    return { amount: this.integer(amountField), currency: this.currency(currencyField) };
  }

  currency(field: number): string {
    const spec = currencyByNumeric(this.text(field));
    if (spec === undefined) throw new Iso8583Error('invalid_field_value', 'not a currency of the profile', field);
    return spec.alpha;
  }

  transactionType(): TransactionType {
    const type = TRANSACTION_TYPES.get(this.text(3));
    if (type === undefined) throw new Iso8583Error('invalid_field_value', 'not a processing code of the profile', 3);
    return type;
  }

  /** Field 7 (or a MMDDhhmmss slice of 90) as an ISO timestamp in the year nearest to the receipt. */
  transmittedAt(field: number, text: string = this.text(field)): string {
    const month = Number(text.slice(0, 2));
    const day = Number(text.slice(2, 4));
    const [hours, minutes, seconds] = [Number(text.slice(4, 6)), Number(text.slice(6, 8)), Number(text.slice(8, 10))];
    if (hours > 23 || minutes > 59 || seconds > 59)
      throw new Iso8583Error('invalid_field_value', 'not a time of day', field);
    const at = this.nearestDate(field, month, day, hours * 3_600_000 + minutes * 60_000 + seconds * 1000);
    return at.toISOString().replace('.000Z', 'Z');
  }

  /** Field 15 (MMDD) as an ISO date in the year nearest to the receipt. */
  date(field: number): string {
    const text = this.text(field);
    return this.nearestDate(field, Number(text.slice(0, 2)), Number(text.slice(2, 4)), 0)
      .toISOString()
      .slice(0, 10);
  }

  private nearestDate(field: number, month: number, day: number, timeMs: number): Date {
    const receivedMs = this.context.receivedAt.getTime();
    const year = this.context.receivedAt.getUTCFullYear();
    let best: Date | undefined;
    for (const candidate of [year - 1, year, year + 1]) {
      const at = new Date(Date.UTC(candidate, month - 1, day) + timeMs);
      if (at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) continue;
      if (best === undefined || Math.abs(at.getTime() - receivedMs) < Math.abs(best.getTime() - receivedMs)) best = at;
    }
    if (best === undefined) throw new Iso8583Error('invalid_field_value', 'not a date', field);
    return best;
  }

  expiry(): { expMonth: number; expYear: number } | undefined {
    const text = this.optionalText(14);
    if (text === undefined) return undefined;
    return { expYear: 2000 + Number(text.slice(0, 2)), expMonth: Number(text.slice(2, 4)) };
  }

  original(): OriginalData {
    const text = this.text(90);
    const acquirer = text.slice(20, 31).replace(/^0+(?=\d)/, '');
    return {
      mti: text.slice(0, 4) as OriginalData['mti'],
      stan: text.slice(4, 10),
      transmittedAt: this.transmittedAt(90, text.slice(10, 20)),
      acquirerId: acquirer,
    };
  }

  replacementAmount(): number | undefined {
    const text = this.optionalText(95);
    if (text === undefined) return undefined;
    if (!/^\d{12}/.test(text)) throw new Iso8583Error('invalid_field_value', 'does not start with an n12 amount', 95);
    return Number(text.slice(0, 12));
  }

  totals(countField: number, amountField: number): ReconciliationTotals {
    return {
      count: this.integer(countField),
      reversalCount: this.integer(countField + 1),
      amount: this.integer(amountField),
      reversalAmount: this.integer(amountField + 1),
    };
  }

  netAmount(): number {
    const text = this.text(97);
    const magnitude = Number(text.slice(1));
    if (!Number.isSafeInteger(magnitude)) throw new Iso8583Error('invalid_field_value', 'too large to be exact', 97);
    return text.startsWith('D') && magnitude !== 0 ? -magnitude : magnitude;
  }
}

function readerFor(mti: string, message: IsoMessage, context: ConversionContext): FieldReader {
  if (message.mti !== mti) throw new Iso8583Error('unsupported_mti', `expected a ${mti}`, 0);
  checkMessageType(message);
  return new FieldReader(message, context);
}

function acceptorOf(read: FieldReader): AuthorizationRequest['acceptor'] {
  return withoutUndefined({
    terminalId: read.trimmed(41),
    merchantId: read.trimmed(42),
    mcc: read.text(18),
    nameLocation: read.optionalText(43)?.trimEnd(),
  });
}

function requestBaseOf(read: FieldReader) {
  return withoutUndefined({
    stan: read.text(11),
    rrn: read.text(37),
    transmittedAt: read.transmittedAt(7),
    acquirerId: read.text(32),
    amount: read.amount(4, 49),
    reference: read.text(60),
    orderReference: read.optionalText(62),
  });
}

function responseBaseOf(read: FieldReader) {
  return withoutUndefined({
    stan: read.text(11),
    rrn: read.text(37),
    transmittedAt: read.transmittedAt(7),
    acquirerId: read.text(32),
    terminalId: read.trimmed(41),
    amount: read.amount(4, 49),
    responseCode: read.text(39),
    authorizationCode: read.optionalText(38),
    reference: read.optionalText(60),
    orderReference: read.optionalText(62),
    detail: read.optionalText(63),
    transactionType: read.transactionType(),
  });
}

function cardReferenceOf(read: FieldReader) {
  return withoutUndefined({ number: read.text(2), ...read.expiry() });
}

function reconciliationBaseOf(read: FieldReader) {
  return withoutUndefined({
    stan: read.text(11),
    transmittedAt: read.transmittedAt(7),
    acquirerId: read.optionalText(32),
    settlementDate: read.date(15),
    currency: read.currency(50),
    credits: read.totals(74, 86),
    debits: read.totals(76, 88),
    netAmount: read.netAmount(),
  });
}

// ---- the conversions

/** `0100` authorization request. */
export const authorizationRequest: Iso8583Conversion<AuthorizationRequest> = {
  mti: '0100',
  schema: authorizationRequestSchema,
  toIso8583(value) {
    const request = parsed(authorizationRequestSchema, value);
    return wrapMessage('0100', cardRequestFields(request, PROCESSING_CODES.purchase));
  },
  fromIso8583(message, context) {
    const read = readerFor('0100', message, context);
    const card = withoutUndefined({ number: read.text(2), ...read.expiry(), cvc: read.optionalText(61) });
    return rebuilt(authorizationRequestSchema, { ...requestBaseOf(read), acceptor: acceptorOf(read), card });
  },
};

/** `0200` financial request (purchase captured at once, refund, e-cash top-up). */
export const financialRequest: Iso8583Conversion<FinancialRequest> = {
  mti: '0200',
  schema: financialRequestSchema,
  toIso8583(value) {
    const request = parsed(financialRequestSchema, value);
    const fields = cardRequestFields(request, PROCESSING_CODES[request.transactionType]);
    if (request.creditAccount !== undefined) fields.set(103, request.creditAccount);
    return wrapMessage('0200', fields);
  },
  fromIso8583(message, context) {
    const read = readerFor('0200', message, context);
    const card = withoutUndefined({ number: read.text(2), ...read.expiry(), cvc: read.optionalText(61) });
    return rebuilt(
      financialRequestSchema,
      withoutUndefined({
        ...requestBaseOf(read),
        acceptor: acceptorOf(read),
        card,
        transactionType: read.transactionType(),
        creditAccount: read.optionalText(103),
      }),
    );
  },
};

/** `0220` financial transaction advice (capture of an authorization). */
export const financialAdvice: Iso8583Conversion<FinancialAdvice> = {
  mti: '0220',
  schema: financialAdviceSchema,
  toIso8583(value) {
    const advice = parsed(financialAdviceSchema, value);
    const fields = cardRequestFields(advice, PROCESSING_CODES.purchase);
    fields.set(38, advice.authorizationCode);
    fields.set(90, originalDataElements(advice.original));
    return wrapMessage('0220', fields);
  },
  fromIso8583(message, context) {
    const read = readerFor('0220', message, context);
    return rebuilt(financialAdviceSchema, {
      ...requestBaseOf(read),
      acceptor: acceptorOf(read),
      card: cardReferenceOf(read),
      authorizationCode: read.text(38),
      original: read.original(),
    });
  },
};

function reversalConversion(mti: '0400' | '0420'): Iso8583Conversion<ReversalRequest> {
  return {
    mti,
    schema: reversalSchema,
    toIso8583(value) {
      const reversal = parsed(reversalSchema, value);
      const fields = cardRequestFields(reversal, PROCESSING_CODES[reversal.transactionType]);
      if (reversal.authorizationCode !== undefined) fields.set(38, reversal.authorizationCode);
      fields.set(90, originalDataElements(reversal.original));
      if (reversal.replacementAmount !== undefined) fields.set(95, replacementAmounts(reversal.replacementAmount));
      return wrapMessage(mti, fields);
    },
    fromIso8583(message, context) {
      const read = readerFor(mti, message, context);
      return rebuilt(
        reversalSchema,
        withoutUndefined({
          ...requestBaseOf(read),
          acceptor: acceptorOf(read),
          card: cardReferenceOf(read),
          transactionType: read.transactionType(),
          original: read.original(),
          authorizationCode: read.optionalText(38),
          replacementAmount: read.replacementAmount(),
        }),
      );
    },
  };
}

/** `0400` reversal request. */
export const reversalRequest: Iso8583Conversion<ReversalRequest> = reversalConversion('0400');
/** `0420` reversal advice. */
export const reversalAdvice: Iso8583Conversion<ReversalRequest> = reversalConversion('0420');

function cardResponseConversion(mti: '0110' | '0210' | '0230'): Iso8583Conversion<CardResponse> {
  return {
    mti,
    schema: cardResponseSchema,
    toIso8583(value) {
      return wrapMessage(mti, cardResponseFields(parsed(cardResponseSchema, value)));
    },
    fromIso8583(message, context) {
      return rebuilt(cardResponseSchema, responseBaseOf(readerFor(mti, message, context)));
    },
  };
}

/** `0110` authorization response. */
export const authorizationResponse: Iso8583Conversion<CardResponse> = cardResponseConversion('0110');
/** `0210` financial response. */
export const financialResponse: Iso8583Conversion<CardResponse> = cardResponseConversion('0210');
/** `0230` financial advice response. */
export const financialAdviceResponse: Iso8583Conversion<CardResponse> = cardResponseConversion('0230');

function reversalResponseConversion(mti: '0410' | '0430'): Iso8583Conversion<ReversalResponse> {
  return {
    mti,
    schema: reversalResponseSchema,
    toIso8583(value) {
      const response = parsed(reversalResponseSchema, value);
      const fields = cardResponseFields(response);
      fields.set(90, originalDataElements(response.original));
      if (response.replacementAmount !== undefined) fields.set(95, replacementAmounts(response.replacementAmount));
      return wrapMessage(mti, fields);
    },
    fromIso8583(message, context) {
      const read = readerFor(mti, message, context);
      return rebuilt(
        reversalResponseSchema,
        withoutUndefined({
          ...responseBaseOf(read),
          original: read.original(),
          replacementAmount: read.replacementAmount(),
        }),
      );
    },
  };
}

/** `0410` reversal response. */
export const reversalResponse: Iso8583Conversion<ReversalResponse> = reversalResponseConversion('0410');
/** `0430` reversal advice response. */
export const reversalAdviceResponse: Iso8583Conversion<ReversalResponse> = reversalResponseConversion('0430');

/** `0500` acquirer reconciliation request. */
export const reconciliationRequest: Iso8583Conversion<ReconciliationRequest> = {
  mti: '0500',
  schema: reconciliationRequestSchema,
  toIso8583(value) {
    const fields = new Map<number, IsoValue>();
    totalsFields(parsed(reconciliationRequestSchema, value), fields);
    return wrapMessage('0500', fields);
  },
  fromIso8583(message, context) {
    return rebuilt(reconciliationRequestSchema, reconciliationBaseOf(readerFor('0500', message, context)));
  },
};

/** `0510` acquirer reconciliation response. */
export const reconciliationResponse: Iso8583Conversion<ReconciliationResponse> = {
  mti: '0510',
  schema: reconciliationResponseSchema,
  toIso8583(value) {
    const response = parsed(reconciliationResponseSchema, value);
    const fields = new Map<number, IsoValue>();
    totalsFields(response, fields);
    fields.set(39, response.responseCode);
    fields.set(66, SETTLEMENT_CODES[response.settlementCode]);
    return wrapMessage('0510', fields);
  },
  fromIso8583(message, context) {
    const read = readerFor('0510', message, context);
    const settlementCode = SETTLEMENT_CODE_NAMES.get(read.text(66));
    if (settlementCode === undefined)
      throw new Iso8583Error('invalid_field_value', 'not a settlement code of the profile', 66);
    return rebuilt(reconciliationResponseSchema, {
      ...reconciliationBaseOf(read),
      responseCode: read.text(39),
      settlementCode,
    });
  },
};

function networkFields(value: NetworkManagementRequest): Map<number, IsoValue> {
  const fields = new Map<number, IsoValue>();
  timeFields(value.transmittedAt, fields, false);
  fields.set(11, value.stan);
  if (value.acquirerId !== undefined) fields.set(32, value.acquirerId);
  fields.set(70, NETWORK_CODES[value.code]);
  return fields;
}

function networkBaseOf(read: FieldReader) {
  const code = NETWORK_CODE_NAMES.get(read.text(70));
  if (code === undefined)
    throw new Iso8583Error('invalid_field_value', 'not a network management code of the profile', 70);
  return withoutUndefined({
    stan: read.text(11),
    transmittedAt: read.transmittedAt(7),
    code,
    acquirerId: read.optionalText(32),
  });
}

/** `0800` network management request (sign-on, sign-off, echo). */
export const networkManagementRequest: Iso8583Conversion<NetworkManagementRequest> = {
  mti: '0800',
  schema: networkManagementRequestSchema,
  toIso8583(value) {
    return wrapMessage('0800', networkFields(parsed(networkManagementRequestSchema, value)));
  },
  fromIso8583(message, context) {
    return rebuilt(networkManagementRequestSchema, networkBaseOf(readerFor('0800', message, context)));
  },
};

/** `0810` network management response. */
export const networkManagementResponse: Iso8583Conversion<NetworkManagementResponse> = {
  mti: '0810',
  schema: networkManagementResponseSchema,
  toIso8583(value) {
    const response = parsed(networkManagementResponseSchema, value);
    const fields = networkFields(response);
    fields.set(39, response.responseCode);
    return wrapMessage('0810', fields);
  },
  fromIso8583(message, context) {
    const read = readerFor('0810', message, context);
    return rebuilt(networkManagementResponseSchema, { ...networkBaseOf(read), responseCode: read.text(39) });
  },
};

/** Every conversion, by MTI: the bank host dispatches an unpacked request with `CONVERSIONS.get(message.mti)`. */
export const CONVERSIONS: ReadonlyMap<string, Iso8583Conversion<unknown>> = new Map<string, Iso8583Conversion<unknown>>(
  [
    networkManagementRequest,
    networkManagementResponse,
    authorizationRequest,
    authorizationResponse,
    financialRequest,
    financialResponse,
    financialAdvice,
    financialAdviceResponse,
    reversalRequest,
    reversalResponse,
    reversalAdvice,
    reversalAdviceResponse,
    reconciliationRequest,
    reconciliationResponse,
  ].map((conversion) => [conversion.mti, conversion as Iso8583Conversion<unknown>]),
);
