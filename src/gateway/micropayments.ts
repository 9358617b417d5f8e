// Micropayments: card payments under MICROPAYMENT_THRESHOLD_MINOR (orders captured at delivery) are not sent to the
// bank one by one. Each is recorded at once as a member held for its aggregate (`requires_capture`, so its order
// proceeds) and handed to the aggregator of its customer, seller, card and currency (one workflow on the gateway's
// queue, micropayment-aggregator-workflow.ts), which charges the members' sum as one card purchase through the bank
// host when the sum reaches MICROPAYMENT_MAX_SUM_MINOR or the oldest member is MICROPAYMENT_MAX_AGE_MS old. The
// aggregate's answer settles every member: approved, each `succeeded`; declined, each `failed` with
// `aggregate_<reason>` (its order's capture then needs an operator). A member voided before the charge is left out;
// one voided after it is refunded by a partial refund of the aggregate. It must never open or log the card in clear
// (only a keyed fingerprint names the card in the aggregator's id).

import type { PaymentCommand, PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import type { Database } from '../persistence/database';
import type { PurposeKeys } from '../security/purpose-keys';
import type { CardPayments } from './card-payments';
import { PaymentOperationError } from './card-payments';
import type { MethodPaymentRecord } from './payment-records';
import { MethodPaymentStore, methodSummary } from './payment-records';
import type { InstrumentOpener } from './vault/instruction-opener';
import { rethrowUnlessUnreadable, sealedInstrumentOpener } from './vault/instruction-opener';
import { TOKEN_PATTERN } from './vault/payment-instructions';

/** Settings of micropayments (README, Payment methods). */
export interface MicropaymentSettings {
  /** Card payments below this amount (minor units) are aggregated; 0 turns aggregation off. */
  thresholdMinor: number;
  /** An aggregate is charged once its members add up to this much. */
  maxSumMinor: number;
  /** ... or once its oldest member is this old. */
  maxAgeMs: number;
}

/** One member as the aggregator holds it. */
export interface MicropaymentMember {
  paymentId: string;
  amountMinor: number;
}

/** What the aggregator workflow starts with (and continues as new with). */
export interface AggregatorInput {
  aggregatorId: string;
  sellerId: string;
  currency: string;
  /** The sealed card of the aggregate (every member's card is the same one: the id says so). */
  sealedCard: string;
  maxSumMinor: number;
  maxAgeMs: number;
  /** How long one charge may take, retries included. */
  timeoutMs: number;
  /** Aggregates charged by earlier runs of this aggregator. */
  batchNo: number;
  /** Members that arrived while the last batch was charged. */
  carried: MicropaymentMember[];
}

/** The aggregator's id: per customer, seller, currency and card (a keyed fingerprint of the PAN). */
export function aggregatorIdFor(customerId: string, sellerId: string, currency: string, cardKey: string): string {
  return `micropayments-${customerId}-${sellerId}-${currency}-${cardKey}`;
}

/** The order id under which batch `batchNo` of an aggregator is charged (its payment id is `payment-<it>-1`). */
export function aggregateOrderId(aggregatorId: string, batchNo: number): string {
  return `${aggregatorId}-batch-${batchNo}`;
}

/** The micropayment operations. */
export class Micropayments {
  private readonly store: MethodPaymentStore;
  private readonly instruments: InstrumentOpener;

  constructor(
    db: Database,
    private readonly vault: PurposeKeys,
    readonly settings: MicropaymentSettings,
    /** Opens instrument references (vault tokens); values sealed under `vault` only when absent. */
    instruments?: InstrumentOpener,
  ) {
    this.store = new MethodPaymentStore(db);
    this.instruments = instruments ?? sealedInstrumentOpener(vault);
  }

  /**
   * Whether an authorization is a micropayment: a card, under the threshold, captured at delivery, with a known
   * customer and a readable card. Answers the aggregator's id when it is.
   */
  async aggregatorOf(command: Extract<PaymentCommand, { command: 'authorize' }>): Promise<string | undefined> {
    if ((command.method ?? 'card') !== 'card' || command.customerId === undefined) return undefined;
    if (command.captureMode !== 'at_delivery' || command.amount.amount >= this.settings.thresholdMinor)
      return undefined;
    try {
      const card = JSON.parse(await this.instruments.open(command.sealedCard)) as { number?: string };
      if (typeof card.number !== 'string') return undefined;
      const cardKey = this.vault.stableDigest(`micropayment-card:${card.number}`).slice(0, 16);
      return aggregatorIdFor(command.customerId, command.sellerId, command.amount.currency, cardKey);
    } catch (error) {
      // A key id another process has just added: the key ring reloads, the activity's retry opens it.
      rethrowUnlessUnreadable(error);
      return undefined;
    }
  }

  /** Records the member, held for its aggregate (`requires_capture`). Idempotent. */
  async record(
    command: Extract<PaymentCommand, { command: 'authorize' }>,
    aggregatorId: string,
  ): Promise<PaymentSummary> {
    const paymentId = paymentIdFor(command.orderId, command.attempt);
    let payment = await this.store.findOrCreate({
      paymentId,
      method: 'card',
      orderId: command.orderId,
      attempt: command.attempt,
      sellerId: command.sellerId,
      customerId: command.customerId,
      amount: command.amount,
      last4: await this.last4(command.sealedCard),
      captureMode: 'at_delivery',
      extra: {
        micropayment: { aggregatorId },
        ...(TOKEN_PATTERN.test(command.sealedCard) ? { instrumentToken: command.sealedCard } : {}),
      },
    });
    if (payment.status === 'requires_payment_method') payment = await this.store.apply(payment, { type: 'SUBMITTED' });
    if (payment.status === 'processing') {
      payment = await this.store.apply(payment, { type: 'AUTHORIZED', amountMinor: payment.amount.amount });
    }
    return methodSummary(payment);
  }

  /** Whether the payment is a micropayment (a member of an aggregate). */
  async isMember(paymentId: string): Promise<boolean> {
    return (await this.store.find(paymentId))?.micropayment !== undefined;
  }

  /**
   * Charges one batch as one card purchase and settles its members. Members voided meanwhile are left out; a batch
   * left empty charges nothing.
   * @throws PaymentOperationError retryable while the aggregate's outcome is unknown (reversal pending)
   */
  async charge(
    cards: CardPayments,
    input: { aggregatorId: string; batchNo: number; sellerId: string; currency: string; sealedCard: string },
    members: readonly MicropaymentMember[],
  ): Promise<{ paymentId: string; status: string; members: number }> {
    const records = (await Promise.all(members.map((member) => this.store.find(member.paymentId)))).filter(
      (record): record is MethodPaymentRecord => record !== null,
    );
    const aggregatePaymentId = paymentIdFor(aggregateOrderId(input.aggregatorId, input.batchNo), 1);
    const due = records.filter(
      (record) =>
        record.status === 'requires_capture' || record.micropayment?.aggregatePaymentId === aggregatePaymentId,
    );
    const sumMinor = due.reduce((sum, record) => sum + record.amount.amount, 0);
    if (sumMinor === 0) return { paymentId: aggregatePaymentId, status: 'empty', members: 0 };
    // Charged with the card of the batch's first member (whose CVC is kept until this charge is answered); the
    // aggregator's own instrument for members recorded before tokens.
    const aggregate = await cards.authorize({
      orderId: aggregateOrderId(input.aggregatorId, input.batchNo),
      attempt: 1,
      sellerId: input.sellerId,
      amount: { amount: sumMinor, currency: input.currency },
      captureMode: 'immediate',
      sealedCard: due.find((record) => record.instrumentToken !== undefined)?.instrumentToken ?? input.sealedCard,
    });
    // The aggregate is answered: every member's CVC has served and is destroyed.
    for (const record of due) if (record.instrumentToken) await this.instruments.answered(record.instrumentToken);
    if (aggregate.status === 'unknown' || aggregate.status === 'processing') {
      throw new PaymentOperationError('outcome_unknown', 'the aggregate charge is being reversed', true);
    }
    for (const [index, record] of due.entries()) {
      if (record.status !== 'requires_capture') continue;
      const link = { micropayment: { aggregatorId: input.aggregatorId, aggregatePaymentId, memberNo: index + 1 } };
      await this.store.apply(
        record,
        aggregate.status === 'succeeded'
          ? { type: 'CAPTURED', amountMinor: record.amount.amount }
          : { type: 'AGGREGATE_DECLINED', declineCode: `aggregate_${aggregate.declineCode ?? 'declined'}` },
        link,
      );
    }
    return { paymentId: aggregatePaymentId, status: aggregate.status, members: due.length };
  }

  /**
   * The member's outcome, for its order's capture at delivery: `succeeded` once its aggregate was charged.
   * @throws PaymentOperationError retryable while the aggregate is not charged yet; not retryable when it was declined
   */
  async outcome(paymentId: string): Promise<PaymentSummary> {
    const payment = await this.store.find(paymentId);
    if (!payment) throw new PaymentOperationError('bank_refused', `no micropayment ${paymentId}`, false);
    if (payment.status === 'requires_capture') {
      throw new PaymentOperationError('outcome_unknown', 'the aggregate is not charged yet', true);
    }
    if (payment.status === 'failed') {
      throw new PaymentOperationError('bank_refused', `the aggregate was declined (${payment.declineCode})`, false);
    }
    return methodSummary(payment);
  }

  /**
   * Voids a member: before the charge it is left out (`canceled`); after it, its share is refunded from the aggregate
   * (a partial refund numbered by the member's attempt and order) and it ends `refunded`.
   */
  async void(cards: CardPayments, paymentId: string, sealedCard: string): Promise<PaymentSummary> {
    let payment = await this.store.find(paymentId);
    if (!payment) throw new PaymentOperationError('bank_refused', `no micropayment ${paymentId}`, false);
    if (payment.status === 'requires_capture') payment = await this.store.apply(payment, { type: 'VOIDED' });
    // Left out of (or refunded from) its aggregate: its card will not be charged again, so its CVC goes.
    if (payment.instrumentToken) await this.instruments.answered(payment.instrumentToken);
    if (payment.status === 'succeeded' && payment.micropayment?.aggregatePaymentId !== undefined) {
      await cards.refund({
        paymentId: payment.micropayment.aggregatePaymentId,
        refundNo: payment.micropayment.memberNo ?? 1,
        amountMinor: payment.amount.amount,
        settled: false,
        sealedCard,
      });
      payment = await this.store.apply(payment, { type: 'REFUNDED', amountMinor: payment.amount.amount });
    }
    return methodSummary(payment);
  }

  private async last4(sealedCard: string): Promise<string> {
    try {
      return String(
        (JSON.parse(await this.instruments.open(sealedCard)) as { number?: string }).number ?? '????',
      ).slice(-4);
    } catch (error) {
      rethrowUnlessUnreadable(error);
      return '????';
    }
  }
}
