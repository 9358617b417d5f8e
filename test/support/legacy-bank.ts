// Test-only: the in-process simulated bank that orders paid through before the gateway worker and the bank host
// existed, kept so the workflow tests can still drive the pre-gateway code path of the order workflow (kept for the
// replay of recorded histories behind patched()). The product no longer has it: every new order pays through the
// gateway worker and the bank host. Idempotent by reference (collection bank_operations); stores only the last four.

import { isExpired } from '../../src/domain/card';
import type { Database } from '../../src/persistence/database';
import { isDuplicateKeyError, nativeCollection } from '../../src/persistence/database';
import type { BankAnswer, BankConnector, BankDeclineCode, CardDetails } from '../../src/bank/bank-connector';

/** Test card numbers and the answer the simulated bank gives them; any other valid number is approved. */
export const TEST_CARDS: Readonly<Record<string, BankDeclineCode | 'approve'>> = {
  '4242424242424242': 'approve',
  '5555555555554444': 'approve',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
  '4000000000000002': 'card_declined',
  '4000000000000127': 'incorrect_cvc',
};

/** The simulated bank, persisting its answers so a retried request gets the first answer. */
export class SimulatedBank implements BankConnector {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  authorize(request: { reference: string; amount: { amount: number; currency: string }; card: CardDetails }) {
    return this.answerOnce(request.reference, 'AUTHORIZE', request.amount, request.card.number.slice(-4), () =>
      this.decide(request.card, request.amount.amount),
    );
  }

  async capture(request: {
    reference: string;
    authorizationReference: string;
    amount: { amount: number; currency: string };
  }) {
    const authorization = await this.lookup(request.authorizationReference);
    return this.answerOnce(request.reference, 'CAPTURE', request.amount, undefined, () =>
      authorization?.approved ? undefined : 'card_declined',
    );
  }

  async void(request: { reference: string; authorizationReference: string }) {
    const authorization = await this.db.bankOperations.findById(request.authorizationReference).lean();
    const amount = { amount: authorization?.amount ?? 0, currency: authorization?.currency ?? 'XXX' };
    return this.answerOnce(request.reference, 'VOID', amount, undefined, () =>
      authorization?.approved ? undefined : 'card_declined',
    );
  }

  async refund(request: { reference: string; captureReference: string; amount: { amount: number; currency: string } }) {
    const capture = await this.lookup(request.captureReference);
    return this.answerOnce(request.reference, 'REFUND', request.amount, undefined, () =>
      capture?.approved ? undefined : 'card_declined',
    );
  }

  async lookup(reference: string): Promise<BankAnswer | undefined> {
    const record = await this.db.bankOperations.findById(reference).lean();
    return record
      ? {
          approved: record.approved,
          bankReference: record._id,
          declineCode: record.declineCode as BankDeclineCode | undefined,
        }
      : undefined;
  }

  private decide(card: CardDetails, amountMinor: number): BankDeclineCode | undefined {
    if (amountMinor <= 0) return 'invalid_amount';
    const scripted = TEST_CARDS[card.number];
    if (scripted && scripted !== 'approve') return scripted;
    if (isExpired(card.expMonth, card.expYear, this.now())) return 'expired_card';
    return undefined;
  }

  private async answerOnce(
    reference: string,
    operation: 'AUTHORIZE' | 'CAPTURE' | 'VOID' | 'REFUND',
    amount: { amount: number; currency: string },
    last4: string | undefined,
    decide: () => BankDeclineCode | undefined,
  ): Promise<BankAnswer> {
    const earlier = await this.lookup(reference);
    if (earlier) return earlier;
    const declineCode = decide();
    try {
      await nativeCollection(this.db.bankOperations).insertOne({
        _id: reference,
        operation,
        reference,
        approved: declineCode === undefined,
        declineCode,
        amount: amount.amount,
        currency: amount.currency,
        last4,
        at: this.now(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const raced = await this.lookup(reference);
      if (raced) return raced;
    }
    return { approved: declineCode === undefined, bankReference: reference, declineCode };
  }
}
