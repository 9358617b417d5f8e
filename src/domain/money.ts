// Money as integer minor units with an ISO 4217 currency code: the only representation of an amount in
// settleflow. Pure and deterministic; never uses floating-point arithmetic on amounts.

import { DomainError } from './errors';

/** ISO 4217 alphabetic code, three upper-case letters (e.g. `EUR`). */
export type CurrencyCode = string;

/** An exact amount: `amount` is an integer count of the currency's minor units (cents for EUR). */
export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}

const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** Largest amount accepted anywhere (about 9 quadrillion minor units), so sums stay exact in a JS number. */
export const MAX_AMOUNT_MINOR = Number.MAX_SAFE_INTEGER;

/**
 * Builds a Money value, rejecting fractions, negatives, unsafe integers and malformed currency codes.
 * @throws DomainError `invalid_amount` or `invalid_currency`
 */
export function money(amount: number, currency: CurrencyCode): Money {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new DomainError('invalid_amount', `amount must be a non-negative integer of minor units, got ${amount}`);
  }
  if (!CURRENCY_PATTERN.test(currency)) {
    throw new DomainError('invalid_currency', `currency must be an ISO 4217 code such as EUR, got ${currency}`);
  }
  return { amount, currency };
}

/**
 * Adds amounts of one currency.
 * @throws DomainError `currency_mismatch` when currencies differ, `invalid_amount` when the sum is not exact
 */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new DomainError('currency_mismatch', `cannot add ${a.currency} to ${b.currency}`);
  }
  return money(a.amount + b.amount, a.currency);
}

/**
 * Multiplies a unit price by a whole quantity, exactly.
 * @throws DomainError `invalid_amount` when the product is no longer a safe integer
 */
export function multiplyMoney(unit: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new DomainError('invalid_quantity', `quantity must be a non-negative integer, got ${quantity}`);
  }
  return money(unit.amount * quantity, unit.currency);
}

/** Minor-unit digits of the ISO 4217 currencies that do not have two; every other code has two. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

/** How many minor-unit digits a currency has (2 unless ISO 4217 says otherwise). */
export function minorDigits(currency: CurrencyCode): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** Formats for people (`123.45 EUR`, `1200 JPY`, `1.250 KWD`); never parsed back. */
export function formatMoney(value: Money): string {
  const digits = minorDigits(value.currency);
  if (digits === 0) return `${value.amount} ${value.currency}`;
  const scale = 10 ** digits;
  const whole = Math.floor(value.amount / scale);
  const minor = String(value.amount % scale).padStart(digits, '0');
  return `${whole}.${minor} ${value.currency}`;
}
