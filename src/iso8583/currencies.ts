// ISO 4217 currencies as ISO 8583 carries them: fields 49 and 50 hold the numeric code (n3), amounts hold integer
// minor units, whose exponent the currency implies. The table is data; a currency missing here cannot be sent.
// Pure: no I/O.

/** One currency settleflow can exchange with the bank host. */
export interface CurrencySpec {
  /** ISO 4217 alphabetic code. */
  readonly alpha: string;
  /** ISO 4217 numeric code, three digits. */
  readonly numeric: string;
  /** Minor-unit digits (ISO 4217 exponent): amounts are integers of 10^-exponent units. */
  readonly exponent: number;
}

/** The currencies of the profile. */
export const CURRENCIES: readonly CurrencySpec[] = [
  { alpha: 'AUD', numeric: '036', exponent: 2 },
  { alpha: 'CAD', numeric: '124', exponent: 2 },
  { alpha: 'CHF', numeric: '756', exponent: 2 },
  { alpha: 'DKK', numeric: '208', exponent: 2 },
  { alpha: 'EUR', numeric: '978', exponent: 2 },
  { alpha: 'GBP', numeric: '826', exponent: 2 },
  { alpha: 'JPY', numeric: '392', exponent: 0 },
  { alpha: 'KWD', numeric: '414', exponent: 3 },
  { alpha: 'NOK', numeric: '578', exponent: 2 },
  { alpha: 'SEK', numeric: '752', exponent: 2 },
  { alpha: 'USD', numeric: '840', exponent: 2 },
];

const BY_ALPHA: ReadonlyMap<string, CurrencySpec> = new Map(CURRENCIES.map((spec) => [spec.alpha, spec]));
const BY_NUMERIC: ReadonlyMap<string, CurrencySpec> = new Map(CURRENCIES.map((spec) => [spec.numeric, spec]));

/** The spec of an alphabetic code (`EUR`), or undefined when the profile does not carry it. */
export function currencyByAlpha(alpha: string): CurrencySpec | undefined {
  return BY_ALPHA.get(alpha);
}

/** The spec of a numeric code (`978`), or undefined when the profile does not carry it. */
export function currencyByNumeric(numeric: string): CurrencySpec | undefined {
  return BY_NUMERIC.get(numeric);
}
