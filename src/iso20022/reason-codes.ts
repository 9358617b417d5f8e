// Plain-language meanings of the ISO 20022 external reason codes settleflow meets in status reports (pacs.002)
// and returns (pacs.004), for notes to people and logs. Pure data.

/** What the common status and return reason codes mean (ISO 20022 external code sets). */
export const REASON_CODE_MEANINGS: Readonly<Record<string, string>> = {
  AC01: 'incorrect account number',
  AC04: 'account closed',
  AC06: 'account blocked',
  AC13: 'debtor account is a consumer account',
  AG01: 'transaction forbidden on this account',
  AG02: 'invalid bank operation code',
  AM04: 'insufficient funds',
  AM05: 'duplicate payment',
  BE05: 'unrecognised initiating party',
  CNOR: 'creditor bank is not registered',
  DNOR: 'debtor bank is not registered',
  FF01: 'invalid file format',
  FOCR: 'return following a cancellation request',
  MD01: 'no mandate',
  MD02: 'missing mandatory mandate information',
  MD06: 'refund requested by the end customer',
  MD07: 'end customer deceased',
  MS02: 'refused by the debtor, reason not specified',
  MS03: 'reason not specified',
  RC01: 'bank identifier incorrect',
  RR01: 'missing debtor account or identification',
  RR02: "missing debtor's name or address",
  RR03: "missing creditor's name or address",
  RR04: 'regulatory reason',
  SL01: 'specific service offered by the debtor agent',
};

/** The plain-language meaning of a reason code, or a neutral text for a code not in the table. */
export function describeReasonCode(code: string): string {
  return REASON_CODE_MEANINGS[code] ?? `reason code ${code}`;
}
