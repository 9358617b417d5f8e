// The pure parts of reconciliation, without servers: classifying one key's lines (matching.ts), the line mappings
// (line-mappings.ts) and the correction planner (rules.ts). Properties: every line of the day ends in exactly one item,
// and every planned journal balances.

import fc from 'fast-check';
import { assertBalanced } from '../../src/domain/ledger';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import {
  bankKeyOf,
  batchIdOfPayoutJournal,
  ledgerKeyOf,
  payoutKeyOf,
} from '../../src/gateway/reconciliation/line-mappings';
import type { LineSide, StagedLine } from '../../src/gateway/reconciliation/matching';
import { classifyKey } from '../../src/gateway/reconciliation/matching';
import { withOrder } from '../../src/gateway/reconciliation/reconciler';
import type { BreakForPlan, CorrectionRule } from '../../src/gateway/reconciliation/rules';
import { planDigest, planFor, ruleSetInputSchema } from '../../src/gateway/reconciliation/rules';

let seq = 0;
function line(side: LineSide, amountMinor: number, extra: Partial<StagedLine> = {}): StagedLine {
  seq += 1;
  return {
    _id: `r:${side}:${String(seq).padStart(6, '0')}`,
    key: 'rrn:K',
    side,
    amountMinor,
    currency: 'EUR',
    reference: `${side}-${seq}`,
    bookedOn: side === 'bank_later' ? '2026-11-27' : side === 'ledger_earlier' ? '2026-11-25' : '2026-11-26',
    ...extra,
  };
}

const classes = (lines: StagedLine[]) => classifyKey('rrn:K', lines).map((item) => item.class);

describe('classifyKey › one key’s lines', () => {
  it('bank and ledger agree › MATCHED; differ › AMOUNT_MISMATCH with bank minus ledger', () => {
    expect(classes([line('bank', 100), line('ledger', 100)])).toEqual(['MATCHED']);
    const [item] = classifyKey('rrn:K', [line('bank', 97), line('ledger', 100)]);
    expect(item).toMatchObject({ class: 'AMOUNT_MISMATCH', differenceMinor: -3, bankAmountMinor: 97 });
  });

  it('one side only › MISSING_IN_BANK or MISSING_IN_LEDGER (a second bank line is a DUPLICATE)', () => {
    expect(classes([line('ledger', 100)])).toEqual(['MISSING_IN_BANK']);
    expect(classes([line('bank', 100)])).toEqual(['MISSING_IN_LEDGER']);
    expect(classes([line('bank', 100), line('bank', 100)])).toEqual(['MISSING_IN_LEDGER', 'DUPLICATE']);
  });

  it('a side booked more often than the other › DUPLICATE on that side', () => {
    expect(classes([line('bank', 100), line('bank', 100), line('ledger', 100)])).toEqual(['MATCHED', 'DUPLICATE']);
    const items = classifyKey('rrn:K', [line('bank', 100), line('ledger', 100), line('ledger', 100)]);
    expect(items.map((item) => item.class)).toEqual(['MATCHED', 'DUPLICATE']);
    expect(items[1]).toMatchObject({ ledgerAmountMinor: 100 });
    expect(items[1]!.bankAmountMinor).toBeUndefined();
  });

  it('a ledger line on a later statement › TIMING; a bank line of an earlier ledger day › MATCHED, noted', () => {
    const [timing] = classifyKey('rrn:K', [line('ledger', 100), line('bank_later', 100)]);
    expect(timing).toMatchObject({ class: 'TIMING', otherDay: '2026-11-27' });
    const [late] = classifyKey('rrn:K', [line('bank', 100), line('ledger_earlier', 100)]);
    expect(late).toMatchObject({ class: 'MATCHED', otherDay: '2026-11-25' });
  });

  it('lines of other days alone › no item', () => {
    expect(classes([line('bank_later', 100)])).toEqual([]);
    expect(classes([line('ledger_earlier', 100)])).toEqual([]);
    expect(classes([line('ledger_earlier', 100), line('bank_later', 100)])).toEqual([]);
  });

  it('a bank line and its reversal › folded: nothing moved, MATCHED without a ledger line', () => {
    const items = classifyKey('rrn:K', [line('bank', 700), line('bank', -700, { reversal: true })]);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ class: 'MATCHED', bankAmountMinor: 0 });
    expect(items[0]!.bankReferences).toHaveLength(2);
  });

  it('property › every line of the day ends in exactly one item; the same lines give the same items', () => {
    const side = fc.constantFrom<LineSide>('bank', 'bank_later', 'ledger', 'ledger_earlier');
    fc.assert(
      fc.property(fc.array(fc.tuple(side, fc.integer({ min: 1, max: 5 })), { maxLength: 8 }), (drawn) => {
        const lines = drawn.map(([s, amount]) => line(s, amount * 100));
        const items = classifyKey('rrn:K', lines);
        const bankRefs = items.flatMap((item) => item.bankReferences);
        const dayBank = lines.filter((l) => l.side === 'bank').map((l) => l.reference);
        expect(dayBank.every((ref) => bankRefs.filter((r) => r === ref).length === 1)).toBe(true);
        const journals = items.map((item) => item.journalId).filter((id) => id !== undefined);
        const dayLedger = lines.filter((l) => l.side === 'ledger').map((l) => l.reference);
        expect(dayLedger.every((ref) => journals.filter((j) => j === ref).length === 1)).toBe(true);
        expect(classifyKey('rrn:K', [...lines].reverse())).toEqual(items);
      }),
    );
  });
});

describe('line mappings › the same key on both sides', () => {
  it('a card capture and refund › the RRNs the gateway sent; an e-check › its end-to-end id; unknown › its own id', () => {
    expect(ledgerKeyOf('payment-o1-1:capture', { _id: 'payment-o1-1' })).toEqual({
      key: `rrn:${rrnFor('payment-o1-1:authorization')}`,
      kind: 'card_capture',
      paymentId: 'payment-o1-1',
    });
    expect(ledgerKeyOf('payment-o1-1:refund:2', undefined).key).toBe(`rrn:${rrnFor('payment-o1-1:refund:2')}`);
    const echeck = { _id: 'payment-o2-1', method: 'echeck', directDebit: { endToEndId: 'DDX-1' } };
    expect(ledgerKeyOf('payment-o2-1:capture', echeck)).toMatchObject({ key: 'e2e:DDX-1', kind: 'echeck_collection' });
    expect(ledgerKeyOf('payment-o2-1:refund:1', { ...echeck, refunds: [{ refundNo: 1, reference: 'RFY' }] }).key).toBe(
      'e2e:RFY-1',
    );
    expect(ledgerKeyOf('payout-7', undefined)).toEqual({ key: 'journal:payout-7', kind: 'unmapped' });
    expect(bankKeyOf({ transactionId: 'ABC' }, '1')).toBe('rrn:ABC');
    expect(bankKeyOf({ endToEndId: 'E' }, '1')).toBe('e2e:E');
    expect(bankKeyOf(undefined, '9')).toBe('entry:9');
  });

  it('a settled payout › the end-to-end id of its credit transfer; its fee journal or another payout › none', () => {
    const journal = 'batch-20261127T085400Z:seller-acme:EUR:paid';
    const payouts = [
      { payoutId: 'batch-20261127T085400Z:seller-other:EUR', endToEndId: 'STX-1' },
      { payoutId: 'batch-20261127T085400Z:seller-acme:EUR', endToEndId: 'STX-2' },
    ];
    expect(batchIdOfPayoutJournal(journal)).toBe('batch-20261127T085400Z');
    expect(payoutKeyOf(journal, payouts)).toEqual({ key: 'e2e:STX-2', kind: 'settlement_payout' });
    expect(payoutKeyOf('batch-20261127T085400Z:seller-acme:EUR:fee', payouts)).toBeUndefined();
    expect(payoutKeyOf(journal, payouts.slice(0, 1))).toBeUndefined();
    expect(payoutKeyOf(journal, [{ payoutId: 'batch-20261127T085400Z:seller-acme:EUR' }])).toBeUndefined();
    expect(batchIdOfPayoutJournal('payment-o1-1:capture')).toBeUndefined();
  });
});

describe('withOrder › the third way', () => {
  it('a MATCHED capture whose order captured another amount › AMOUNT_MISMATCH, the order noted', () => {
    const item = {
      key: 'k',
      class: 'MATCHED' as const,
      currency: 'EUR',
      bankAmountMinor: 100,
      ledgerAmountMinor: 100,
      bankReferences: [],
      kind: 'card_capture',
      paymentId: 'payment-o-2',
    };
    const payment = { attempt: 2, status: 'CAPTURED', amount: { amount: 120, currency: 'EUR' } };
    const order = { status: 'PAID', payments: [payment] } as never;
    expect(withOrder(item, order)).toMatchObject({ class: 'AMOUNT_MISMATCH', orderStatus: 'PAID' });
    const agreeing = { status: 'PAID', payments: [{ ...payment, amount: { amount: 100, currency: 'EUR' } }] } as never;
    expect(withOrder(item, agreeing)).toMatchObject({ class: 'MATCHED', orderStatus: 'PAID' });
    expect(withOrder(item, undefined)).toEqual(item);
  });
});

describe('planFor › the correction rules', () => {
  const rules: CorrectionRule[] = ruleSetInputSchema.parse({
    rules: [
      { id: 't', class: 'TIMING', action: 'ACCEPT', maxDays: 2 },
      {
        id: 'a',
        class: 'AMOUNT_MISMATCH',
        action: 'ADJUST',
        toleranceMinor: 10,
        currency: 'EUR',
        account: 'gateway:diff',
      },
      { id: 'd', class: 'DUPLICATE', action: 'REVERSE', account: 'gateway:dup' },
    ],
  }).rules;
  const base: BreakForPlan = { itemId: 'i', day: '2026-11-26', class: 'AMOUNT_MISMATCH', currency: 'EUR' };
  const none = () => undefined;

  it('an amount difference › adjusted within the tolerance either way, queued above it or in another currency', () => {
    const down = planFor(rules, { ...base, differenceMinor: -7 }, none);
    expect(down.journal?.legs).toEqual([
      { account: 'gateway:clearing', direction: 'CREDIT', amount: 7, currency: 'EUR' },
      { account: 'gateway:diff', direction: 'DEBIT', amount: 7, currency: 'EUR' },
    ]);
    expect(planFor(rules, { ...base, differenceMinor: 11 }, none).action).toBe('QUEUE');
    expect(planFor(rules, { ...base, currency: 'JPY', differenceMinor: 1 }, none).action).toBe('QUEUE');
  });

  it('timing › accepted up to maxDays later, queued beyond', () => {
    const timing = { ...base, class: 'TIMING' as const };
    expect(planFor(rules, { ...timing, otherDay: '2026-11-28' }, none).action).toBe('ACCEPT');
    expect(planFor(rules, { ...timing, otherDay: '2026-11-29' }, none).action).toBe('QUEUE');
  });

  it('a duplicate journal › reversed leg by leg, naming the journal it reverses', () => {
    const legs = [
      { account: 'gateway:clearing', direction: 'DEBIT' as const, amount: 500, currency: 'EUR' },
      { account: 'seller:s:payable', direction: 'CREDIT' as const, amount: 500, currency: 'EUR' },
    ];
    const entry = planFor(rules, { ...base, class: 'DUPLICATE', journalId: 'j1', ledgerAmountMinor: 500 }, (id) =>
      id === 'j1' ? legs : undefined,
    );
    expect(entry.journal).toMatchObject({ kind: 'REVERSAL', reverses: 'j1' });
    expect(entry.journal?.legs.map((leg) => leg.direction)).toEqual(['CREDIT', 'DEBIT']);
  });

  it('property › every planned journal balances; the same breaks and rules give the same digest', () => {
    const cls = fc.constantFrom('AMOUNT_MISMATCH', 'DUPLICATE', 'TIMING', 'MISSING_IN_BANK', 'MISSING_IN_LEDGER');
    fc.assert(
      fc.property(cls, fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 10_000 }), (c, diff, amount) => {
        const item = {
          ...base,
          class: c as BreakForPlan['class'],
          differenceMinor: diff,
          bankAmountMinor: amount,
          otherDay: '2026-11-27',
        };
        const entry = planFor(rules, item, none);
        if (entry.journal) {
          assertBalanced({
            journalId: entry.journal.journalId,
            orderId: entry.journal.orderId,
            kind: entry.journal.kind,
            at: '2026-11-26T00:00:00Z',
            legs: entry.journal.legs.map((leg) => ({ ...leg, amount: { amount: leg.amount, currency: leg.currency } })),
          });
        }
        expect(planDigest(1, [entry])).toBe(planDigest(1, [planFor(rules, item, none)]));
      }),
    );
  });

  it('a rule set › rule ids unique, the clearing account refused', () => {
    expect(ruleSetInputSchema.safeParse({ rules: [rules[0], rules[0]] }).success).toBe(false);
    const clearing = { id: 'x', class: 'DUPLICATE', action: 'REVERSE', account: 'gateway:clearing' };
    expect(ruleSetInputSchema.safeParse({ rules: [clearing] }).success).toBe(false);
  });
});
