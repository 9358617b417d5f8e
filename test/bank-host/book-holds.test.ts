// The bank's books keep what a card holds summed per account (src/bank-host/domain/book.ts), instead of walking every
// hold the card ever had on each request. Property (fast-check, pure, no server): after any sequence of
// authorizations, partial and full captures, partial and full reversals, asked at any time (forward, backward, past
// expiries), the available funds equal the balance minus the active unexpired holds the books list one by one.

import fc from 'fast-check';
import type { CardAccount, IbanAccount } from '../../src/bank-host/domain/accounts';
import type { CardRequest } from '../../src/bank-host/domain/book';
import { Book } from '../../src/bank-host/domain/book';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const HOLD_TTL_MS = 10_000;

type Op =
  | { kind: 'authorize'; amount: number; at: number }
  | { kind: 'capture'; pick: number; amount: number; at: number }
  | { kind: 'reverse'; pick: number; keep: number; at: number };

const atArb = fc.integer({ min: 0, max: 30_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('authorize' as const), amount: fc.integer({ min: 1, max: 5_000 }), at: atArb }),
  fc.record({
    kind: fc.constant('capture' as const),
    pick: fc.nat(),
    amount: fc.integer({ min: 1, max: 5_000 }),
    at: atArb,
  }),
  fc.record({
    kind: fc.constant('reverse' as const),
    pick: fc.nat(),
    keep: fc.integer({ min: 0, max: 3_000 }),
    at: atArb,
  }),
);

function newBook(): Book {
  const book = new Book({ holdTtlMs: HOLD_TTL_MS, clearingPeriodMs: 1_000 });
  const card: CardAccount = {
    _id: 'card_1',
    kind: 'card',
    label: 'card',
    panHash: 'pan-hash',
    last4: '4242',
    opening: { EUR: 1_000_000 },
    createdAt: '2026-11-27T00:00:00Z',
  };
  const settlement: IbanAccount = {
    _id: 'acct_settlement',
    kind: 'settlement',
    label: 'settlement',
    iban: 'DE00000000000000000000',
    opening: { EUR: 0 },
    createdAt: '2026-11-27T00:00:00Z',
  };
  book.addAccount(card);
  book.addAccount(settlement);
  return book;
}

function request(mti: CardRequest['mti'], rrn: string, amount: number, extra: Partial<CardRequest> = {}): CardRequest {
  return {
    mti,
    rrn,
    stan: '000001',
    acquirerId: '4711',
    messageKey: `${mti}|${rrn}`,
    digest: `${mti}:${rrn}:${amount}:${extra.replacementAmount ?? ''}`,
    processingCode: '000000',
    amount,
    currency: 'EUR',
    panHash: 'pan-hash',
    expiry: '3012',
    ...extra,
  };
}

/** Available funds as the books list them one hold at a time (the oracle). */
function availableByList(book: Book, now: Date): number {
  const view = book.accountsView(now).find((account) => account.id === 'card_1')!;
  const held = view.holds.filter((hold) => hold.state === 'active').reduce((sum, hold) => sum + hold.amount, 0);
  return (view.balances.EUR ?? 0) - held;
}

describe('bank book › held funds', () => {
  it('any authorizations, captures and reversals, asked at any time › available = balance − active holds listed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(atArb, { minLength: 1, maxLength: 10 }), (ops, asks) => {
        const book = newBook();
        const rrns: string[] = [];
        let clock = T0;
        for (const [i, op] of ops.entries()) {
          // Decisions are taken in time order, as the bank host takes them.
          clock = Math.max(clock, T0 + op.at);
          const now = new Date(clock);
          let decided;
          if (op.kind === 'authorize') {
            const rrn = `R${String(i).padStart(11, '0')}`;
            rrns.push(rrn);
            decided = book.decideCard(request('0100', rrn, op.amount), now);
          } else {
            if (rrns.length === 0) continue;
            const rrn = rrns[op.pick % rrns.length]!;
            decided =
              op.kind === 'capture'
                ? book.decideCard(request('0220', rrn, op.amount), now)
                : book.decideCard(request('0400', rrn, 0, { replacementAmount: op.keep }), now);
          }
          if (decided.kind === 'new') book.apply(decided.entry);
          expect(book.available('card_1', 'EUR', now)).toBe(availableByList(book, now));
        }
        for (const at of asks) {
          const now = new Date(T0 + at);
          expect(book.available('card_1', 'EUR', now)).toBe(availableByList(book, now));
        }
      }),
    );
  });
});
