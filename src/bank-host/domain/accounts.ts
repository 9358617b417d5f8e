// The bank host's accounts as data: debit cards (known by a keyed hash of the PAN, never the PAN), current accounts
// (IBAN) for electronic checks and payouts, the gateway's settlement account and merchant accounts. Pure: no I/O.
// A card record never holds a PAN or a CVC in clear: `panHash` and `cvcHash` are HMAC-SHA256 under the bank's key.

/** How a card is scripted to answer, whatever the amount (demo and test cards). */
export type CardBehavior = 'do_not_honor' | 'incorrect_cvc' | 'issuer_unavailable' | 'system_error' | 'expired';

/** What kind of account a record is. */
export type AccountKind = 'card' | 'current' | 'settlement' | 'merchant';

/** Balances by ISO 4217 code, in integer minor units. */
export type Balances = Readonly<Record<string, number>>;

interface AccountBase {
  /** Stable id (`card_...`, `acct_...`); the control API names accounts by it. */
  readonly _id: string;
  readonly kind: AccountKind;
  /** Who holds it, for people reading the books. */
  readonly label: string;
  /** What the account held when it was opened; later movements are journal entries. */
  readonly opening: Balances;
  readonly createdAt: string;
}

/** A debit card. */
export interface CardAccount extends AccountBase {
  readonly kind: 'card';
  /** HMAC-SHA256 (hex) of the PAN under the bank's key: how a request finds the card. */
  readonly panHash: string;
  readonly last4: string;
  /** YYMM; when absent any future expiry the request carries is accepted (Stripe's test cards). */
  readonly expiry?: string;
  /** HMAC-SHA256 (hex) of the CVC; when absent any CVC is accepted. */
  readonly cvcHash?: string;
  readonly behavior?: CardBehavior;
  /** Largest single debit or authorization (minor units, any currency); above it 61. */
  readonly limitMinor?: number;
}

/**
 * A current account known by its IBAN: a customer's (debited by direct debits), a merchant's (credited by payouts) or
 * the gateway's settlement account (the acquirer's position: card purchases and collections are credited to it,
 * refunds and payouts debited; it may go below zero, as a clearing position does).
 */
export interface IbanAccount extends AccountBase {
  readonly kind: 'current' | 'settlement' | 'merchant';
  readonly iban: string;
  /** An ISO 20022 return reason every transfer touching the account comes back with (AC04 closed, AM04, ...). */
  readonly returnReason?: string;
  /**
   * A settlement account's acquirer (field 32): card purchases, captures, refunds and reversals of that acquirer settle
   * on it. Absent: the settlement account of every acquirer that has none of its own.
   */
  readonly acquirerId?: string;
}

/** Any account. */
export type Account = CardAccount | IbanAccount;

/** Whether a digit string passes the Luhn check (card numbers). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Whether a YYMM expiry is past at `now` (a card is valid through the last day of its month, UTC). */
export function isExpiryPast(yymm: string, now: Date): boolean {
  const year = 2000 + Number(yymm.slice(0, 2));
  const month = Number(yymm.slice(2, 4));
  if (!Number.isInteger(year) || month < 1 || month > 12) return true;
  return now.getTime() >= Date.UTC(year, month, 1);
}

/** An IBAN with its mod-97 check digits computed: `country` + check digits + `bban`. */
export function ibanOf(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' ? char.charCodeAt(0) - 55 : char.charCodeAt(0) - 48;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}
