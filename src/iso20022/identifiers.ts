// Checks and masks for the identifiers ISO 20022 messages carry: IBAN (ISO 13616, mod-97), BIC (ISO 9362).
// Pure; an account number is never put in an error message or a log line in clear (use maskIban).

const IBAN_PATTERN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
const BIC_PATTERN = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/**
 * Tells whether a string is an IBAN in electronic format (upper case, no spaces) whose check digits pass mod-97.
 * Country-specific lengths are not checked; the checksum catches typing errors.
 */
export function isValidIban(iban: string): boolean {
  if (!IBAN_PATTERN.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : char.charCodeAt(0) - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

/** Tells whether a string is a BIC (8 or 11 characters, as the `BICFIDec2014Identifier` type says). */
export function isValidBic(bic: string): boolean {
  return BIC_PATTERN.test(bic);
}

/** Masks an account number for logs and descriptions: country and check digits, then the last four (`DE89…3000`). */
export function maskIban(iban: string): string {
  if (iban.length <= 8) return '…';
  return `${iban.slice(0, 4)}…${iban.slice(-4)}`;
}

/**
 * Masks every IBAN element of an ISO 20022 document, so a message can be recorded or logged.
 * Works on the text (any namespace prefix); the document is otherwise left as it was.
 */
export function maskAccountNumbers(xml: string): string {
  return xml.replace(
    /(<(?:[A-Za-z_][\w.-]*:)?IBAN>)\s*([^<]*?)\s*(<\/(?:[A-Za-z_][\w.-]*:)?IBAN>)/g,
    (_all, open: string, iban: string, close: string) => `${open}${maskIban(iban)}${close}`,
  );
}
