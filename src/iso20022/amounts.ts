// Exact conversion between integer minor units and the decimal text of ISO 20022 amounts, using the currency's
// ISO 4217 exponent (JPY 0, EUR 2, KWD 3). Pure; never uses floating-point arithmetic on an amount.

import { MAX_AMOUNT_MINOR, minorDigits } from '../domain/money';
import { Iso20022Error } from './errors';

const DECIMAL_PATTERN = /^\+?(\d*)(?:\.(\d*))?$/;

/**
 * Writes an amount of minor units as the XML decimal of its currency (`1050 EUR` → `10.50`, `1250 KWD` → `1.250`).
 * The caller passes a validated non-negative safe integer; anything else is refused.
 * @throws Iso20022Error `invalid_input` for a fraction, a negative or an unsafe integer
 */
export function minorToDecimal(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new Iso20022Error('invalid_input', 'an amount must be a non-negative safe integer of minor units');
  }
  const digits = minorDigits(currency);
  if (digits === 0) return String(amountMinor);
  const text = String(amountMinor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * Reads an XML decimal (`xs:decimal`, as ISO 20022 amounts are) as integer minor units of the currency.
 * Extra fraction digits are accepted only when they are zeros (`10.500` EUR is 1050); `10.505` EUR is refused.
 * @throws Iso20022Error `invalid_value` for a malformed, negative, too precise or too large amount
 */
export function decimalToMinor(text: string, currency: string, param?: string): number {
  const match = DECIMAL_PATTERN.exec(text);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (!match || whole.length + fraction.length === 0) {
    throw new Iso20022Error('invalid_value', `${param ?? 'amount'} is not a non-negative decimal number`, param);
  }
  const digits = minorDigits(currency);
  const significant = fraction.slice(0, digits);
  if (/[^0]/.test(fraction.slice(digits))) {
    throw new Iso20022Error(
      'invalid_value',
      `${param ?? 'amount'} has more decimals than ${currency}'s ${digits} minor digits`,
      param,
    );
  }
  const minor = BigInt(`${whole || '0'}${significant.padEnd(digits, '0')}`);
  if (minor > BigInt(MAX_AMOUNT_MINOR)) {
    throw new Iso20022Error('invalid_value', `${param ?? 'amount'} is too large to be held exactly`, param);
  }
  return Number(minor);
}
