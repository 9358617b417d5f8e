// The ledger proven against the real bank host and FerretDB (no transactions) with fast-check: random sequences of
// authorize (or purchase at once), capture, partial capture, void, refund and partial refund over a few payments in
// EUR, JPY and KWD, with retries of the operation just done and faults of the bank host (late, none, lost, dropped
// connection, malformed frame, duplicate answer, another STAN) on the operation's message. After every sequence: the
// bank's own balances and holds of the card equal the ledger per currency, debits equal credits in every journal and
// currency, captured ≤ authorized and refunded ≤ captured for every payment, none is left `unknown`; and the same
// sequence replayed on a fresh card and fresh payments gives the same ledger, journal for journal.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Journal } from '../../src/domain/ledger';
import { trialBalance } from '../../src/domain/ledger';
import { journalsForOrder, postJournal } from '../../src/persistence/ledger-store';
import type { PaymentSummary } from '../../src/gateway/card-payments';
import type { FaultRule, TestCard } from '../support/bank-control';
import type { TestGateway } from './faults-support';
import {
  addOwnFault,
  agreeing,
  compareBooks,
  journalsOf,
  openCardIn,
  removeOwnFaults,
  startTestGateway,
  withRetries,
} from './faults-support';

const CURRENCIES = ['EUR', 'JPY', 'KWD'] as const;
const OPENING = { EUR: 50_000_000, JPY: 50_000_000, KWD: 50_000_000 };
const SLOTS = 3;
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway('gwprop');
});

afterEach(async () => {
  await removeOwnFaults();
});

afterAll(async () => {
  await gateway?.close();
});

type Fault = Omit<FaultRule, 'pan' | 'mti' | 'times'>;

type Op =
  | {
      kind: 'authorize';
      slot: number;
      amount: number;
      currency: (typeof CURRENCIES)[number];
      immediate: boolean;
      fault?: Fault;
    }
  | { kind: 'capture'; slot: number; amount: number | undefined; fault?: Fault }
  | { kind: 'void'; slot: number; fault?: Fault }
  | { kind: 'refund'; slot: number; refundNo: number; amount: number | undefined; fault?: Fault }
  | { kind: 'retry' };

/** A fault on about one operation in four. */
const faultArb: fc.Arbitrary<Fault | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Fault>(
      { action: 'delay', delayMs: 1_800 },
      { action: 'no_answer' },
      { action: 'no_answer', apply: false },
      { action: 'disconnect' },
      { action: 'malformed' },
      { action: 'duplicate' },
      { action: 'wrong_stan' },
    ),
  },
);
const slotArb = fc.integer({ min: 0, max: SLOTS - 1 });
const amountArb = fc.integer({ min: 1, max: 30_000 });
const withFault = <T extends object>(op: T, fault: Fault | undefined): T =>
  fault === undefined ? op : { ...op, fault };

const authorizeArb = (slot: fc.Arbitrary<number>) =>
  fc
    .tuple(slot, amountArb, fc.constantFrom(...CURRENCIES), fc.boolean(), faultArb)
    .map(([at, amount, currency, immediate, fault]) =>
      withFault({ kind: 'authorize' as const, slot: at, amount, currency, immediate }, fault),
    );

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: authorizeArb(slotArb) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(slotArb, fc.option(amountArb, { nil: undefined }), faultArb)
      .map(([slot, amount, fault]) => withFault({ kind: 'capture' as const, slot, amount }, fault)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(slotArb, faultArb).map(([slot, fault]) => withFault({ kind: 'void' as const, slot }, fault)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(slotArb, fc.integer({ min: 1, max: 3 }), fc.option(amountArb, { nil: undefined }), faultArb)
      .map(([slot, refundNo, amount, fault]) => withFault({ kind: 'refund' as const, slot, refundNo, amount }, fault)),
  },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'retry' }) },
);

/** A sequence: every payment is authorized (or purchased) first, then random operations on any of them. */
const sequenceArb: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.tuple(...Array.from({ length: SLOTS }, (_, slot) => authorizeArb(fc.constant(slot)))),
    fc.array(opArb, { minLength: 1, maxLength: 8 }),
  )
  .map(([authorizations, ops]) => [...authorizations, ...ops]);

/** The MTI an operation's request goes out as (what its fault rule matches). */
function mtiOf(op: Exclude<Op, { kind: 'retry' }>, immediate: boolean): string {
  switch (op.kind) {
    case 'authorize':
      return immediate ? '0200' : '0100';
    case 'capture':
      return '0220';
    case 'void':
      return '0400';
    case 'refund':
      return '0200';
  }
}

/** What one run did: the payments it made and what each operation ended with. */
interface RunResult {
  card: TestCard;
  paymentIds: string[];
  outcomes: string[];
}

/** Runs a sequence on a fresh card with payments of its own (`run` names them). */
async function runSequence(ops: readonly Op[]): Promise<RunResult> {
  const run = randomUUID().slice(0, 8);
  const card = await openCardIn(OPENING);
  const sealed = gateway.vault.seal(JSON.stringify(card));
  const payments = gateway.runtime.payments;
  const orderOf = (slot: number) => `prop-${run}-${slot}`;
  const paymentOf = (slot: number) => `payment-${orderOf(slot)}-1`;
  const firstAuthorization = new Map<number, Extract<Op, { kind: 'authorize' }>>();
  const outcomes: string[] = [];
  let previous: Exclude<Op, { kind: 'retry' }> | undefined;
  for (const op of ops) {
    const current = op.kind === 'retry' ? previous : op;
    if (current === undefined) continue;
    previous = current;
    if (current.kind === 'authorize' && !firstAuthorization.has(current.slot))
      firstAuthorization.set(current.slot, current);
    const immediate = firstAuthorization.get(current.slot)?.immediate ?? false;
    // A retry repeats the operation as it was, without its fault (the rule applied to one request only).
    if (op.kind !== 'retry' && current.fault !== undefined) {
      await addOwnFault({ ...current.fault, pan: card.number, mti: mtiOf(current, immediate), times: 1 });
    }
    const call = (): Promise<PaymentSummary> => {
      switch (current.kind) {
        case 'authorize': {
          const first = firstAuthorization.get(current.slot)!;
          return payments.authorize({
            orderId: orderOf(current.slot),
            attempt: 1,
            sellerId: 'seller-prop',
            amount: { amount: first.amount, currency: first.currency },
            captureMode: first.immediate ? 'immediate' : 'at_delivery',
            sealedCard: sealed,
          });
        }
        case 'capture':
          return payments.capture({
            paymentId: paymentOf(current.slot),
            amountMinor: current.amount,
            sealedCard: sealed,
          });
        case 'void':
          return payments.void({ paymentId: paymentOf(current.slot), sealedCard: sealed });
        case 'refund':
          return payments.refund({
            paymentId: paymentOf(current.slot),
            refundNo: current.refundNo,
            amountMinor: current.amount,
            settled: false,
            sealedCard: sealed,
          });
      }
    };
    const result = await withRetries(call);
    outcomes.push(
      result.summary
        ? `${current.kind} ${result.summary.status} ${result.summary.capturedMinor}/${result.summary.refundedMinor}`
        : `${current.kind} refused ${(result.refused as { code?: string }).code ?? result.refused?.name}`,
    );
    await removeOwnFaults();
  }
  return { card, paymentIds: Array.from({ length: SLOTS }, (_, slot) => paymentOf(slot)), outcomes };
}

/** The ledger of a run, with the run's own names taken out, so that two runs can be compared. */
async function normalizedLedger(result: RunResult): Promise<string[]> {
  const journals = await journalsOf(gateway.db, result.paymentIds);
  const run = result.paymentIds[0]!.replace(/^payment-prop-/, '').replace(/-\d+-1$/, '');
  return journals
    .map((journal) =>
      JSON.stringify({
        id: journal._id.replaceAll(run, 'RUN'),
        kind: journal.kind,
        legs: journal.legs.map((leg) => [leg.account, leg.direction, leg.amount, leg.currency]),
      }),
    )
    .sort();
}

describe('ledger properties against the bank host', () => {
  it('random operations with retries and faults › bank = ledger per currency, balanced, bounded, replayable', async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (ops) => {
        const first = await runSequence(ops);
        const books = await compareBooks(gateway, [first.card], OPENING, first.paymentIds);
        expect(books).toEqual(agreeing(books));
        const journals = await journalsOf(gateway.db, first.paymentIds);
        for (const [, side] of trialBalance(journals)) expect(side.debits).toBe(side.credits);

        const replay = await runSequence(ops);
        expect(replay.outcomes).toEqual(first.outcomes);
        expect(await normalizedLedger(replay)).toEqual(await normalizedLedger(first));
        const replayBooks = await compareBooks(gateway, [replay.card], OPENING, replay.paymentIds);
        expect(replayBooks).toEqual(books);
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 600_000);
});

describe('ledger store on FerretDB (no transactions)', () => {
  const journal = (orderId: string, amount: number): Journal => ({
    journalId: `${orderId}:capture`,
    orderId,
    kind: 'CAPTURE',
    at: new Date().toISOString(),
    legs: [
      { account: 'gateway:clearing', direction: 'DEBIT', amount: { amount, currency: 'KWD' } },
      { account: 'seller:s:payable', direction: 'CREDIT', amount: { amount, currency: 'KWD' } },
    ],
  });

  it('postJournal › 16 concurrent copies of one journal › stored once', async () => {
    const orderId = `store-${randomUUID()}`;
    await Promise.all(Array.from({ length: 16 }, () => postJournal(gateway.db, journal(orderId, 1_250))));
    const stored = await journalsForOrder(gateway.db, orderId);
    expect(stored.map((j) => [j._id, j.legs.map((l) => l.amount)])).toEqual([[`${orderId}:capture`, [1_250, 1_250]]]);
  });

  it('postJournal › another journal under a used id › journal_conflict, the first one stays', async () => {
    const orderId = `store-${randomUUID()}`;
    await postJournal(gateway.db, journal(orderId, 1_250));
    await expect(postJournal(gateway.db, journal(orderId, 1_251))).rejects.toMatchObject({ code: 'journal_conflict' });
    const stored = await journalsForOrder(gateway.db, orderId);
    expect(stored.map((j) => j.legs.map((l) => l.amount))).toEqual([[1_250, 1_250]]);
  });

  it('postJournal › an unbalanced journal › unbalanced_journal and nothing written', async () => {
    const orderId = `store-${randomUUID()}`;
    const bad = journal(orderId, 1_250);
    const legs = [bad.legs[0]!, { ...bad.legs[1]!, amount: { amount: 1_249, currency: 'KWD' } }];
    await expect(postJournal(gateway.db, { ...bad, legs })).rejects.toMatchObject({ code: 'unbalanced_journal' });
    expect(await journalsForOrder(gateway.db, orderId)).toEqual([]);
  });
});
