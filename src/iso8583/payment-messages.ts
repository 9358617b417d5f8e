// The gateway's JSON payment messages, one zod schema per ISO 8583 message type: what the connector sends and the
// bank host answers, before packing and after unpacking. Amounts are integer minor units with an ISO 4217 code;
// times are UTC ISO 8601 to the second (ISO 8583 carries no year and no fraction). Pure: no I/O.

import { z } from 'zod';
import { CURRENCIES } from './currencies';

/** Largest amount field 4 (n12) can carry. */
export const MAX_TRANSACTION_AMOUNT_MINOR = 999_999_999_999;
/** Largest total fields 86-89 (n16) can carry that is still an exact JavaScript integer. */
export const MAX_TOTAL_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;

const printable = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');
/** A fixed ISO field padded with spaces: no leading or trailing space, so that unpadding gives it back. */
const padded = (max: number) => printable(1, max).regex(/^\S(.*\S)?$/, 'must not start or end with a space');

/** System trace audit number: six digits, unique per request on a connection. */
export const stanSchema = z.string().regex(/^\d{6}$/, 'must be 6 digits');
/** Retrieval reference number: twelve letters or digits, the same for a request and everything that refers to it. */
export const rrnSchema = z.string().regex(/^[A-Za-z0-9]{12}$/, 'must be 12 letters or digits');
/** Transmission time, UTC, whole seconds (`2026-11-26T14:30:15Z`). */
export const transmittedAtSchema = z.iso.datetime({ precision: 0 });
/** Acquiring institution id (field 32): up to 11 digits, no leading zero. */
export const acquirerIdSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,10})$/, 'must be 1 to 11 digits without a leading zero');
/** Field 39 response code. */
export const responseCodeSchema = z.string().regex(/^[A-Za-z0-9]{2}$/, 'must be 2 letters or digits');
/** Field 38 authorization code. */
export const authorizationCodeSchema = z.string().regex(/^[A-Za-z0-9]{6}$/, 'must be 6 letters or digits');

/** The currencies the profile carries (see currencies.ts). */
export const currencyCodeSchema = z.enum(CURRENCIES.map((currency) => currency.alpha) as [string, ...string[]]);

/** An amount of one transaction: integer minor units (at most 12 digits) of an ISO 4217 currency. */
export const transactionAmountSchema = z.strictObject({
  amount: z.int().min(0).max(MAX_TRANSACTION_AMOUNT_MINOR),
  currency: currencyCodeSchema,
});
/** An amount of one transaction. */
export type TransactionAmount = z.infer<typeof transactionAmountSchema>;

/** Card data in clear, as the gateway holds it in memory for one request. Never logged, never stored. */
export const cardSchema = z.strictObject({
  number: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits'),
  expMonth: z.int().min(1).max(12),
  expYear: z.int().min(2000).max(2099),
  cvc: z
    .string()
    .regex(/^\d{3,4}$/, 'must be 3 or 4 digits')
    .optional(),
});
/** Card data in clear. */
export type Card = z.infer<typeof cardSchema>;

/** The card a follow-up message (capture, reversal) refers to: its number, the expiry when known. */
export const cardReferenceSchema = z.strictObject({
  number: cardSchema.shape.number,
  expMonth: cardSchema.shape.expMonth.optional(),
  expYear: cardSchema.shape.expYear.optional(),
});
/** The card a follow-up message refers to. */
export type CardReference = z.infer<typeof cardReferenceSchema>;

/** The card acceptor: the seller as the gateway presents it to the bank (fields 41, 42, 18, 43). */
export const acceptorSchema = z.strictObject({
  terminalId: padded(8),
  merchantId: padded(15),
  mcc: z.string().regex(/^\d{4}$/, 'must be 4 digits'),
  nameLocation: padded(40).optional(),
});
/** The card acceptor. */
export type Acceptor = z.infer<typeof acceptorSchema>;

/** What the request is (field 3): `purchase` (000000) or `refund` (200000). */
export const transactionTypeSchema = z.enum(['purchase', 'refund']);
/** What the request is. */
export type TransactionType = z.infer<typeof transactionTypeSchema>;

/** The message a follow-up refers to (field 90). */
export const originalDataSchema = z.strictObject({
  mti: z.enum(['0100', '0200', '0220']),
  stan: stanSchema,
  transmittedAt: transmittedAtSchema,
  acquirerId: acquirerIdSchema,
});
/** The message a follow-up refers to. */
export type OriginalData = z.infer<typeof originalDataSchema>;

const requestBase = {
  stan: stanSchema,
  rrn: rrnSchema,
  transmittedAt: transmittedAtSchema,
  acquirerId: acquirerIdSchema,
  acceptor: acceptorSchema,
  amount: transactionAmountSchema,
  /** settleflow's payment reference (field 60): the bank's idempotency key. */
  reference: printable(1, 64),
  /** The order the payment belongs to (field 62). */
  orderReference: printable(1, 64).optional(),
};

/** `0100`: reserve an amount on a card. */
export const authorizationRequestSchema = z.strictObject({ ...requestBase, card: cardSchema });
/** `0100`: reserve an amount on a card. */
export type AuthorizationRequest = z.infer<typeof authorizationRequestSchema>;

/** `0200`: move money at once: a purchase, or a refund to the card; `creditAccount` names an e-cash wallet (103). */
export const financialRequestSchema = z.strictObject({
  ...requestBase,
  card: cardSchema,
  transactionType: transactionTypeSchema,
  creditAccount: padded(28).optional(),
});
/** `0200`: move money at once. */
export type FinancialRequest = z.infer<typeof financialRequestSchema>;

/** `0220`: capture (all or part of) an authorization, named by its code (38) and original data (90). */
export const financialAdviceSchema = z.strictObject({
  ...requestBase,
  card: cardReferenceSchema,
  authorizationCode: authorizationCodeSchema,
  original: originalDataSchema,
});
/** `0220`: capture an authorization. */
export type FinancialAdvice = z.infer<typeof financialAdviceSchema>;

/**
 * `0400` / `0420`: undo the original request (field 90). `amount` is the original's; `replacementAmount` (95), when
 * given, is what stays charged (a partial reversal), else nothing stays.
 */
export const reversalSchema = z.strictObject({
  ...requestBase,
  card: cardReferenceSchema,
  transactionType: transactionTypeSchema,
  original: originalDataSchema,
  authorizationCode: authorizationCodeSchema.optional(),
  replacementAmount: z.int().min(0).max(MAX_TRANSACTION_AMOUNT_MINOR).optional(),
});
/** `0400` / `0420`: undo the original request. */
export type ReversalRequest = z.infer<typeof reversalSchema>;

const responseBase = {
  stan: stanSchema,
  rrn: rrnSchema,
  transmittedAt: transmittedAtSchema,
  acquirerId: acquirerIdSchema,
  terminalId: padded(8),
  amount: transactionAmountSchema,
  responseCode: responseCodeSchema,
  authorizationCode: authorizationCodeSchema.optional(),
  reference: printable(1, 64).optional(),
  orderReference: printable(1, 64).optional(),
  /** The bank's free-text detail (field 63), e.g. why it declined. */
  detail: printable(1, 999).optional(),
};

/** `0110` / `0210` / `0230`: the bank's answer to a card request. */
export const cardResponseSchema = z.strictObject({ ...responseBase, transactionType: transactionTypeSchema });
/** The bank's answer to a card request. */
export type CardResponse = z.infer<typeof cardResponseSchema>;

/** `0410` / `0430`: the bank's answer to a reversal. */
export const reversalResponseSchema = z.strictObject({
  ...responseBase,
  transactionType: transactionTypeSchema,
  original: originalDataSchema,
  replacementAmount: z.int().min(0).max(MAX_TRANSACTION_AMOUNT_MINOR).optional(),
});
/** The bank's answer to a reversal. */
export type ReversalResponse = z.infer<typeof reversalResponseSchema>;

/** Counts and amounts of one direction of a reconciliation (fields 74/75 + 86/87 or 76/77 + 88/89). */
export const reconciliationTotalsSchema = z.strictObject({
  count: z.int().min(0).max(9_999_999_999),
  reversalCount: z.int().min(0).max(9_999_999_999),
  amount: z.int().min(0).max(MAX_TOTAL_AMOUNT_MINOR),
  reversalAmount: z.int().min(0).max(MAX_TOTAL_AMOUNT_MINOR),
});
/** Counts and amounts of one direction of a reconciliation. */
export type ReconciliationTotals = z.infer<typeof reconciliationTotalsSchema>;

/** Field 66 of a 0510. */
export const settlementCodeSchema = z.enum(['in_balance', 'out_of_balance', 'error']);

const reconciliationBase = {
  stan: stanSchema,
  transmittedAt: transmittedAtSchema,
  acquirerId: acquirerIdSchema.optional(),
  /** The settlement day (field 15, MMDD; the year is inferred on receipt). */
  settlementDate: z.iso.date(),
  currency: currencyCodeSchema,
  credits: reconciliationTotalsSchema,
  debits: reconciliationTotalsSchema,
  /** Net settlement (97) in minor units: positive when owed to the acquirer (C), negative when owed by it (D). */
  netAmount: z.int().min(-MAX_TOTAL_AMOUNT_MINOR).max(MAX_TOTAL_AMOUNT_MINOR),
};

/** `0500`: the gateway's totals for a settlement day and currency. */
export const reconciliationRequestSchema = z.strictObject(reconciliationBase);
/** `0500`: the gateway's totals. */
export type ReconciliationRequest = z.infer<typeof reconciliationRequestSchema>;

/** `0510`: the bank's totals and whether they agree with the gateway's. */
export const reconciliationResponseSchema = z.strictObject({
  ...reconciliationBase,
  responseCode: responseCodeSchema,
  settlementCode: settlementCodeSchema,
});
/** `0510`: the bank's totals and whether they agree. */
export type ReconciliationResponse = z.infer<typeof reconciliationResponseSchema>;

/** Field 70: `sign_on` (001), `sign_off` (002), `echo` (301). */
export const networkCodeSchema = z.enum(['sign_on', 'sign_off', 'echo']);

/** `0800`: sign-on, sign-off or echo. */
export const networkManagementRequestSchema = z.strictObject({
  stan: stanSchema,
  transmittedAt: transmittedAtSchema,
  code: networkCodeSchema,
  acquirerId: acquirerIdSchema.optional(),
});
/** `0800`: sign-on, sign-off or echo. */
export type NetworkManagementRequest = z.infer<typeof networkManagementRequestSchema>;

/** `0810`: the answer to a 0800. */
export const networkManagementResponseSchema = z.strictObject({
  ...networkManagementRequestSchema.shape,
  responseCode: responseCodeSchema,
});
/** `0810`: the answer to a 0800. */
export type NetworkManagementResponse = z.infer<typeof networkManagementResponseSchema>;
