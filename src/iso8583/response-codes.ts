// The response codes (field 39) the bank host answers with and the connector understands, as data: meaning, whether
// the request was approved, what the gateway should make of it, and the Stripe-style decline code users know.
// Pure: no I/O.

/**
 * What a response code means for the gateway:
 * - `approved`: done;
 * - `declined`: a final no for this request (a new request may differ: another card, another amount);
 * - `retry_later`: the issuer or a system was unavailable; nothing was done, the same request may be sent again;
 * - `error`: the request itself was refused (format, unknown original); sending it again will not help.
 */
export type ResponseOutcome = 'approved' | 'declined' | 'retry_later' | 'error';

/** One row of the response code table. */
export interface ResponseCodeSpec {
  readonly code: string;
  readonly meaning: string;
  readonly outcome: ResponseOutcome;
  /** Stripe's decline code for the same reason, when declined. */
  readonly declineCode?: string;
}

const row = (code: string, meaning: string, outcome: ResponseOutcome, declineCode?: string): ResponseCodeSpec =>
  declineCode === undefined ? { code, meaning, outcome } : { code, meaning, outcome, declineCode };

/** Field 39 codes of settleflow's profile (ISO 8583:1987 values). */
export const RESPONSE_CODES: readonly ResponseCodeSpec[] = [
  row('00', 'Approved or completed successfully', 'approved'),
  row('01', 'Refer to card issuer', 'declined', 'call_issuer'),
  row('03', 'Invalid merchant', 'error', 'transaction_not_allowed'),
  row('05', 'Do not honor', 'declined', 'do_not_honor'),
  row('10', 'Approved for partial amount', 'approved'),
  row('12', 'Invalid transaction', 'error', 'transaction_not_allowed'),
  row('13', 'Invalid amount', 'declined', 'invalid_amount'),
  row('14', 'Invalid card number (no such number)', 'declined', 'incorrect_number'),
  row('25', 'Unable to locate record (original not found)', 'error', 'processing_error'),
  row('30', 'Format error', 'error', 'processing_error'),
  row('41', 'Lost card, pick up', 'declined', 'lost_card'),
  row('43', 'Stolen card, pick up', 'declined', 'stolen_card'),
  row('51', 'Not sufficient funds', 'declined', 'insufficient_funds'),
  row('54', 'Expired card', 'declined', 'expired_card'),
  row('55', 'Incorrect personal identification number', 'declined', 'incorrect_pin'),
  row('57', 'Transaction not permitted to cardholder', 'declined', 'transaction_not_allowed'),
  row('61', 'Exceeds withdrawal amount limit', 'declined', 'card_velocity_exceeded'),
  row('62', 'Restricted card', 'declined', 'restricted_card'),
  row('65', 'Exceeds withdrawal frequency limit', 'declined', 'withdrawal_count_limit_exceeded'),
  row('68', 'Response received too late', 'retry_later', 'try_again_later'),
  row('82', 'Card verification value (CVC) check failed', 'declined', 'incorrect_cvc'),
  row('91', 'Issuer or switch inoperative', 'retry_later', 'issuer_not_available'),
  row('94', 'Duplicate transmission', 'error', 'duplicate_transaction'),
  row('96', 'System malfunction', 'retry_later', 'processing_error'),
];

const BY_CODE: ReadonlyMap<string, ResponseCodeSpec> = new Map(RESPONSE_CODES.map((spec) => [spec.code, spec]));

/** The table row of a field 39 code, or undefined for a code settleflow does not know. */
export function responseCode(code: string): ResponseCodeSpec | undefined {
  return BY_CODE.get(code);
}

/** Stripe's generic decline code: what a refusal the table gives no reason for (or a code it does not know) says. */
export const GENERIC_DECLINE = 'generic_decline';

/**
 * The decline code (Stripe's names) a payment records for a field 39 code that is not an approval: the table's, else
 * `processing_error` for a request the bank refused as an error, else `generic_decline`. The one mapping from field 39
 * to decline codes; the API tells the customer only `card_declined` whatever this says (order-views.ts).
 */
export function declineCodeFor(code: string): string {
  const spec = BY_CODE.get(code);
  if (spec?.declineCode !== undefined) return spec.declineCode;
  return spec?.outcome === 'error' ? 'processing_error' : GENERIC_DECLINE;
}

/**
 * What the gateway should make of a field 39 code. An unknown code counts as `declined`: it is not an approval, and
 * nothing says that sending it again would help.
 */
export function responseOutcome(code: string): ResponseOutcome {
  return BY_CODE.get(code)?.outcome ?? 'declined';
}
