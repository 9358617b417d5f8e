// The bank host's demo data: Stripe's test card numbers (README, Bank host) with the answers they stand for, a few
// cards of settleflow's own for the codes Stripe has no number for, the gateway's settlement account, and current
// accounts for the demo customers and sellers (scripts/seed-demo-parties.ts names them). Idempotent: accounts have
// stable ids and an existing one is left as it is (its balance is the journal's business).

import { CURRENCIES } from '../iso8583';
import type { Bank } from './bank';
import { cvcHash, panHash } from './card-secrets';
import type { Account, CardBehavior, IbanAccount } from './domain/accounts';
import { ibanOf } from './domain/accounts';

/** A demo card: its number in clear exists only here (public test numbers) and in the README. */
export interface DemoCard {
  readonly pan: string;
  readonly answer: string;
  readonly behavior?: CardBehavior;
  readonly funded: boolean;
  readonly expiry?: string;
  readonly cvc?: string;
  readonly limitMinor?: number;
}

/** The demo cards and what the bank answers them (field 39). */
export const DEMO_CARDS: readonly DemoCard[] = [
  { pan: '4242424242424242', answer: '00 approved', funded: true },
  { pan: '5555555555554444', answer: '00 approved', funded: true },
  { pan: '4000000000009995', answer: '51 insufficient funds', funded: false },
  { pan: '4000000000000069', answer: '54 expired card', behavior: 'expired', funded: true },
  { pan: '4000000000000127', answer: '82 incorrect CVC', behavior: 'incorrect_cvc', funded: true },
  { pan: '4000000000000002', answer: '05 do not honor', behavior: 'do_not_honor', funded: true },
  { pan: '4000000000000119', answer: '96 system malfunction', behavior: 'system_error', funded: true },
  { pan: '4000000000000911', answer: '91 issuer unavailable', behavior: 'issuer_unavailable', funded: true },
  { pan: '4000000000000614', answer: '61 above 100.00 (any currency)', limitMinor: 10_000, funded: true },
  {
    pan: '5105105105105100',
    answer: '00 with expiry 12/34 and CVC 737 only (54 or 82 else)',
    expiry: '3412',
    cvc: '737',
    funded: true,
  },
];

/** What every funded demo card and customer account holds in each currency: 1,000,000.00 (100,000,000 minor). */
export const DEMO_FUNDS_MINOR = 100_000_000;

const BANK_CODE = '50010517';

/** The IBAN of demo account number `n` at the bank host (German format, valid check digits). */
export function demoIban(n: number): string {
  return ibanOf('DE', `${BANK_CODE}${String(n).padStart(10, '0')}`);
}

/** The demo IBAN accounts: the settlement account, customers (one that bounces, one closed) and sellers. */
export const DEMO_IBAN_ACCOUNTS: ReadonlyArray<Omit<IbanAccount, 'createdAt' | 'opening'> & { funded: boolean }> = [
  {
    _id: 'acct_gateway_settlement',
    kind: 'settlement',
    label: 'settleflow gateway settlement account',
    iban: demoIban(1),
    funded: false,
  },
  { _id: 'acct_customer-globex', kind: 'current', label: 'Globex Corporation', iban: demoIban(2), funded: true },
  {
    _id: 'acct_customer-globex-nsf',
    kind: 'current',
    label: 'Globex Corporation (no funds: AM04)',
    iban: demoIban(3),
    funded: false,
  },
  {
    _id: 'acct_customer-globex-closed',
    kind: 'current',
    label: 'Globex Corporation (closed: AC04)',
    iban: demoIban(4),
    returnReason: 'AC04',
    funded: true,
  },
  { _id: 'acct_seller-acme', kind: 'merchant', label: 'Acme Industrial Supply', iban: demoIban(10), funded: false },
  { _id: 'acct_supplier-north', kind: 'merchant', label: 'Northwind Components', iban: demoIban(11), funded: false },
  { _id: 'acct_supplier-south', kind: 'merchant', label: 'Southbank Parts', iban: demoIban(12), funded: false },
  { _id: 'acct_carrier-swift', kind: 'merchant', label: 'Swift Freight', iban: demoIban(13), funded: false },
  { _id: 'acct_carrier-atlas', kind: 'merchant', label: 'Atlas Logistics', iban: demoIban(14), funded: false },
  { _id: 'acct_carrier-polar', kind: 'merchant', label: 'Polar Express Carriers', iban: demoIban(15), funded: false },
];

/** Opening balances: `amount` in every currency the profile carries. */
export function fundsInEveryCurrency(amount: number): Record<string, number> {
  return Object.fromEntries(CURRENCIES.map((currency) => [currency.alpha, amount]));
}

/** The account id of a card: derived from its PAN's keyed hash (never from the PAN). */
export function cardAccountId(hash: string): string {
  return `card_${hash.slice(0, 20)}`;
}

/** Opens the demo accounts that are not open yet; returns how many it opened. */
export async function seedDemoAccounts(bank: Bank, secret: Buffer, now: Date = new Date()): Promise<number> {
  const createdAt = now.toISOString();
  const accounts: Account[] = [
    ...DEMO_IBAN_ACCOUNTS.map(({ funded, ...account }): Account => ({
      ...account,
      opening: funded ? fundsInEveryCurrency(DEMO_FUNDS_MINOR) : {},
      createdAt,
    })),
    ...DEMO_CARDS.map((card): Account => {
      const hash = panHash(secret, card.pan);
      return {
        _id: cardAccountId(hash),
        kind: 'card',
        label: `demo card ${card.pan.slice(-4)}: ${card.answer}`,
        panHash: hash,
        last4: card.pan.slice(-4),
        opening: card.funded ? fundsInEveryCurrency(DEMO_FUNDS_MINOR) : {},
        createdAt,
        ...(card.expiry === undefined ? {} : { expiry: card.expiry }),
        ...(card.cvc === undefined ? {} : { cvcHash: cvcHash(secret, card.pan, card.cvc) }),
        ...(card.behavior === undefined ? {} : { behavior: card.behavior }),
        ...(card.limitMinor === undefined ? {} : { limitMinor: card.limitMinor }),
      };
    }),
  ];
  let opened = 0;
  for (const account of accounts) if (await bank.openAccount(account)) opened += 1;
  return opened;
}
