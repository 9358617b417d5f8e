// Card payments at the gateway: each payment (`gateway_payments`, id `payment-<orderId>-<attempt>`) moves through the
// state machine of src/domain/payment.ts as the bank answers its authorization, capture, void and refunds, and every
// movement is booked in the ledger under a deterministic journal id, so a retried operation never books twice.
// Operations are idempotent: each one's RRN derives from the payment id, and the bank answers a repeat with its first
// answer. An authorization whose outcome is unknown is reversed (0420, reversal-queue.ts) before the payment says
// `failed`; a capture, void or refund whose outcome is unknown is repeated under the same RRN (the activity's retry).
// Card data is opened from the instrument reference (a vault token, or a value sealed before tokens) for one call and
// never stored or logged; the CVC is destroyed in the vault as soon as the authorization is answered.

import type { Connection } from 'mongoose';
import type { PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import type { Journal, JournalLeg } from '../domain/ledger';
import type { Money } from '../domain/money';
import type { CaptureMode, PaymentEvent, PaymentState } from '../domain/payment';
import { applyPaymentEvent, newPayment, refundableMinor } from '../domain/payment';
import type { Card, OriginalData } from '../iso8583';
import type { Database } from '../persistence/database';
import { postJournal } from '../persistence/ledger-store';
import type { PurposeKeys } from '../security/purpose-keys';
import type { AuthorizationTiming } from './authorization-timing';
import { timingAfter } from './authorization-timing';
import type { CardAnswer, CardClient } from './bank-connector/card-client';
import type { InstrumentOpener } from './vault/instruction-opener';
import { rethrowUnlessUnreadable, sealedInstrumentOpener } from './vault/instruction-opener';
import { acceptorFor, rrnFor } from './bank-connector/card-client';
import type { ReversalQueue, ReversalRecord } from './bank-connector/reversal-queue';

/** The collection's name. */
export const GATEWAY_PAYMENTS = 'gateway_payments';

/** Ledger accounts of card payments. */
export const cardAccounts = {
  /** What the bank holds on customers' cards for authorizations not yet captured. */
  cardHolds: 'bank:card-holds',
  /** The gateway's side of those holds, until capture or void. */
  authorizations: 'gateway:authorizations',
  /** The gateway's settlement account at the bank: captures in, refunds out. */
  clearing: 'gateway:clearing',
  sellerPayable: (sellerId: string) => `seller:${sellerId}:payable`,
  sellerBank: (sellerId: string) => `seller:${sellerId}:bank`,
};

/** A payment as stored. */
export interface PaymentRecord extends PaymentState, AuthorizationTiming {
  _id: string;
  orderId: string;
  attempt: number;
  sellerId: string;
  last4: string;
  /** The authorization (or purchase) as the bank approved it, for capture and void to name. */
  authorization?: { rrn: string; authorizationCode?: string | undefined; original: OriginalData } | undefined;
  /** Refunds done, by refund number (1-based). */
  refunds: { refundNo: number; rrn: string; amountMinor: number }[];
  createdAt: Date;
  updatedAt: Date;
}

export { paymentIdFor };
export type { PaymentSummary };

/** An operation the bank would not do, or whose outcome stays unknown: the activity fails or retries. */
export class PaymentOperationError extends Error {
  constructor(
    readonly code: 'bank_unavailable' | 'outcome_unknown' | 'bank_refused' | 'card_unreadable',
    message: string,
    /** Whether the same operation may be tried again (same RRN). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PaymentOperationError';
  }
}

/** Settings of card payments. */
export interface CardPaymentsOptions {
  readonly terminalId: string;
  /** How long one bank request waits for its answer. */
  readonly requestTimeoutMs: number;
  readonly now?: () => Date;
  /** Opens instrument references (vault tokens); values sealed under `vault` only when absent. */
  readonly instruments?: InstrumentOpener;
}

/** The card payment operations. */
export class CardPayments {
  private readonly now: () => Date;
  private readonly instruments: InstrumentOpener;

  constructor(
    private readonly db: Database,
    private readonly cards: CardClient,
    private readonly reversals: ReversalQueue,
    vault: PurposeKeys,
    private readonly options: CardPaymentsOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.instruments = options.instruments ?? sealedInstrumentOpener(vault);
  }

  private get collection() {
    return (this.db.connection as Connection).collection<PaymentRecord>(GATEWAY_PAYMENTS);
  }

  /** The stored payment, or null. */
  async find(paymentId: string): Promise<PaymentRecord | null> {
    const record = (await this.collection.findOne({ _id: paymentId })) as PaymentRecord | null;
    // An empty array may come back absent (FerretDB): no refunds yet.
    return record ? { ...record, refunds: record.refunds ?? [] } : null;
  }

  /**
   * Authorizes the payment (0100), or purchases at once (0200) for an `immediate` seller. Idempotent: a payment past
   * `processing` answers with its state; one left `processing` by a crash sends the same request again (same RRN).
   * An unknown outcome is reversed before this returns (`failed`, declineCode `reversed`), or, when the bank never
   * acknowledges the reversal in time, returns `unknown`.
   */
  async authorize(input: {
    orderId: string;
    attempt: number;
    sellerId: string;
    amount: Money;
    captureMode: CaptureMode;
    sealedCard: string;
  }): Promise<PaymentSummary> {
    const paymentId = paymentIdFor(input.orderId, input.attempt);
    const card = await this.openCard(input.sealedCard);
    let payment = await this.findOrCreate(paymentId, input, card?.number.slice(-4) ?? '????');
    if (payment.status === 'unknown') return summary(await this.settleUnknown(payment));
    if (payment.status !== 'requires_payment_method' && payment.status !== 'processing') {
      await this.instruments.answered(input.sealedCard);
      return summary(payment);
    }
    if (!card) {
      if (payment.status === 'requires_payment_method') payment = await this.apply(payment, { type: 'SUBMITTED' });
      const declined = summary(await this.apply(payment, { type: 'DECLINED', declineCode: 'card_unreadable' }));
      await this.instruments.answered(input.sealedCard);
      return declined;
    }
    if (payment.status === 'requires_payment_method') payment = await this.apply(payment, { type: 'SUBMITTED' });
    const immediate = payment.captureMode === 'immediate';
    const rrn = rrnFor(`${paymentId}:authorization`);
    const request = {
      rrn,
      reference: operationReference(paymentId, immediate ? 'purchase' : 'authorization'),
      orderReference: input.orderId.slice(0, 64),
      acceptor: acceptorFor(input.sellerId, this.options.terminalId),
      amount: { amount: payment.amount.amount, currency: payment.amount.currency },
      card,
      timeoutMs: this.options.requestTimeoutMs,
    };
    const answer = immediate
      ? await this.cards.financial({ ...request, transactionType: 'purchase' })
      : await this.cards.authorize(request);
    // The authorization is answered (or its outcome is being reversed): the CVC has served and is destroyed.
    if (answer.outcome !== 'not_sent') await this.instruments.answered(input.sealedCard);
    switch (answer.outcome) {
      case 'not_sent':
        throw new PaymentOperationError('bank_unavailable', `the bank host is unavailable (${answer.reason})`, true);
      case 'declined':
        return summary(await this.apply(payment, { type: 'DECLINED', declineCode: answer.declineCode }));
      case 'approved': {
        const authorization = { rrn, authorizationCode: answer.authorizationCode, original: answer.original };
        await this.bookAuthorization(payment, immediate);
        return summary(
          await this.apply(
            payment,
            immediate
              ? { type: 'PURCHASED', amountMinor: payment.amount.amount }
              : { type: 'AUTHORIZED', amountMinor: payment.amount.amount },
            { authorization },
          ),
        );
      }
      case 'unknown': {
        payment = await this.apply(payment, {
          type: 'OUTCOME_UNKNOWN',
          operation: immediate ? 'purchase' : 'authorization',
        });
        await this.reversals.enqueue({
          paymentId,
          rrn,
          reference: request.reference,
          orderReference: request.orderReference,
          acceptor: request.acceptor,
          amount: request.amount,
          transactionType: 'purchase',
          original: answer.original,
          card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear },
        });
        return summary(await this.settleUnknown(payment));
      }
    }
  }

  /**
   * Captures an authorized payment (0220), all of it or `amountMinor`. Idempotent: a payment already captured
   * answers with its state.
   * @throws PaymentOperationError retryable when the bank's answer did not come (repeated under the same RRN)
   */
  async capture(input: { paymentId: string; amountMinor?: number; sealedCard: string }): Promise<PaymentSummary> {
    const payment = await this.required(input.paymentId);
    if (payment.status !== 'requires_capture') return summary(payment);
    const amountMinor = input.amountMinor ?? payment.authorizedMinor;
    const card = await this.requiredCard(input.sealedCard);
    const authorization = payment.authorization!;
    const answer = await this.cards.capture({
      rrn: authorization.rrn,
      reference: operationReference(payment._id, 'capture'),
      orderReference: payment.orderId.slice(0, 64),
      acceptor: acceptorFor(payment.sellerId, this.options.terminalId),
      amount: { amount: amountMinor, currency: payment.amount.currency },
      card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear },
      authorizationCode: authorization.authorizationCode ?? '000000',
      original: authorization.original,
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.requireAnswer(answer, 'capture');
    if (answer.outcome !== 'approved') {
      throw new PaymentOperationError('bank_refused', `the bank refused the capture (${answer.responseCode})`, false);
    }
    await this.book(payment, 'capture', 'CAPTURE', [
      leg(cardAccounts.authorizations, 'DEBIT', payment.authorizedMinor, payment),
      leg(cardAccounts.cardHolds, 'CREDIT', payment.authorizedMinor, payment),
      leg(cardAccounts.clearing, 'DEBIT', amountMinor, payment),
      leg(cardAccounts.sellerPayable(payment.sellerId), 'CREDIT', amountMinor, payment),
    ]);
    return summary(await this.apply(payment, { type: 'CAPTURED', amountMinor }));
  }

  /** Voids an authorized payment (0400 of the authorization). Idempotent. */
  async void(input: { paymentId: string; sealedCard: string }): Promise<PaymentSummary> {
    const payment = await this.required(input.paymentId);
    if (payment.status !== 'requires_capture') return summary(payment);
    const card = await this.requiredCard(input.sealedCard);
    const authorization = payment.authorization!;
    const answer = await this.cards.reverse('0400', {
      rrn: authorization.rrn,
      reference: operationReference(payment._id, 'void'),
      orderReference: payment.orderId.slice(0, 64),
      acceptor: acceptorFor(payment.sellerId, this.options.terminalId),
      amount: { amount: payment.authorizedMinor, currency: payment.amount.currency },
      card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear },
      transactionType: 'purchase',
      original: authorization.original,
      authorizationCode: authorization.authorizationCode,
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.requireAnswer(answer, 'void');
    if (answer.outcome !== 'approved') {
      throw new PaymentOperationError('bank_refused', `the bank refused the void (${answer.responseCode})`, false);
    }
    await this.book(payment, 'void', 'VOID', [
      leg(cardAccounts.authorizations, 'DEBIT', payment.authorizedMinor, payment),
      leg(cardAccounts.cardHolds, 'CREDIT', payment.authorizedMinor, payment),
    ]);
    return summary(await this.apply(payment, { type: 'VOIDED' }));
  }

  /**
   * Refunds `amountMinor` (all that is refundable by default) of a captured payment as refund number `refundNo`
   * (0200, processing code 20). Idempotent by refund number. `settled` says whether the seller was paid out already
   * (the refund is then charged to the seller's bank account, else to the payable).
   */
  async refund(input: {
    paymentId: string;
    refundNo: number;
    amountMinor?: number;
    settled: boolean;
    sealedCard: string;
  }): Promise<PaymentSummary> {
    const payment = await this.required(input.paymentId);
    if (payment.refunds.some((refund) => refund.refundNo === input.refundNo)) return summary(payment);
    if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') return summary(payment);
    const amountMinor = input.amountMinor ?? refundableMinor(payment);
    // The bank does not know what was captured: refuse a refund above what is refundable before any money moves.
    applyPaymentEvent(payment, { type: 'REFUNDED', amountMinor });
    const card = await this.requiredCard(input.sealedCard);
    const rrn = rrnFor(`${payment._id}:refund:${input.refundNo}`);
    const answer = await this.cards.financial({
      rrn,
      reference: operationReference(payment._id, `refund:${input.refundNo}`),
      orderReference: payment.orderId.slice(0, 64),
      acceptor: acceptorFor(payment.sellerId, this.options.terminalId),
      amount: { amount: amountMinor, currency: payment.amount.currency },
      card,
      transactionType: 'refund',
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.requireAnswer(answer, 'refund');
    if (answer.outcome !== 'approved') {
      throw new PaymentOperationError('bank_refused', `the bank refused the refund (${answer.responseCode})`, false);
    }
    const payable = input.settled
      ? cardAccounts.sellerBank(payment.sellerId)
      : cardAccounts.sellerPayable(payment.sellerId);
    await this.book(payment, `refund:${input.refundNo}`, 'REFUND', [
      leg(payable, 'DEBIT', amountMinor, payment),
      leg(cardAccounts.clearing, 'CREDIT', amountMinor, payment),
    ]);
    return summary(
      await this.apply(
        payment,
        { type: 'REFUNDED', amountMinor },
        { refunds: [...payment.refunds, { refundNo: input.refundNo, rrn, amountMinor }] },
      ),
    );
  }

  /** Called by the reversal queue when a reversal ends: an acknowledged one fails the payment (`reversed`). */
  async onReversalDone(record: ReversalRecord): Promise<void> {
    if (record.state !== 'acknowledged') return;
    const payment = await this.find(record.paymentId);
    if (payment?.status === 'unknown') await this.apply(payment, { type: 'REVERSED' });
  }

  /** Every RRN a payment used (authorization, refunds), for reading its messages. */
  rrnsOf(payment: PaymentRecord): string[] {
    return [rrnFor(`${payment._id}:authorization`), ...payment.refunds.map((refund) => refund.rrn)];
  }

  // ---- internals

  private async settleUnknown(payment: PaymentRecord): Promise<PaymentRecord> {
    const rrn = rrnFor(`${payment._id}:authorization`);
    const reversal = await this.reversals.waitFor(rrn, payment.captureMode === 'immediate' ? '0200' : '0100');
    if (reversal.state === 'acknowledged') await this.onReversalDone(reversal);
    return (await this.find(payment._id)) ?? payment;
  }

  private requireAnswer(
    answer: CardAnswer,
    what: string,
  ): asserts answer is Exclude<CardAnswer, { outcome: 'unknown' | 'not_sent' }> {
    if (answer.outcome === 'not_sent') {
      throw new PaymentOperationError('bank_unavailable', `the ${what} was not sent (${answer.reason})`, true);
    }
    if (answer.outcome === 'unknown') {
      throw new PaymentOperationError('outcome_unknown', `no answer to the ${what} (${answer.reason}); repeated`, true);
    }
    if (answer.outcome === 'declined' && answer.retryLater) {
      throw new PaymentOperationError('bank_unavailable', `the bank asks to retry the ${what} later`, true);
    }
  }

  private async bookAuthorization(payment: PaymentRecord, immediate: boolean): Promise<void> {
    const amountMinor = payment.amount.amount;
    if (immediate) {
      await this.book(payment, 'capture', 'CAPTURE', [
        leg(cardAccounts.clearing, 'DEBIT', amountMinor, payment),
        leg(cardAccounts.sellerPayable(payment.sellerId), 'CREDIT', amountMinor, payment),
      ]);
    } else {
      await this.book(payment, 'authorization', 'AUTHORIZATION', [
        leg(cardAccounts.cardHolds, 'DEBIT', amountMinor, payment),
        leg(cardAccounts.authorizations, 'CREDIT', amountMinor, payment),
      ]);
    }
  }

  private book(payment: PaymentRecord, suffix: string, kind: Journal['kind'], legs: JournalLeg[]): Promise<void> {
    return postJournal(this.db, {
      journalId: `${payment._id}:${suffix}`,
      orderId: payment.orderId,
      kind,
      at: this.now().toISOString(),
      legs,
    });
  }

  private async findOrCreate(
    paymentId: string,
    input: { orderId: string; attempt: number; sellerId: string; amount: Money; captureMode: CaptureMode },
    last4: string,
  ): Promise<PaymentRecord> {
    const at = this.now();
    const record: PaymentRecord = {
      ...newPayment(paymentId, input.amount, input.captureMode),
      _id: paymentId,
      orderId: input.orderId,
      attempt: input.attempt,
      sellerId: input.sellerId,
      last4,
      refunds: [],
      createdAt: at,
      updatedAt: at,
    };
    await this.collection.updateOne({ _id: paymentId }, { $setOnInsert: record }, { upsert: true });
    return (await this.find(paymentId))!;
  }

  private async required(paymentId: string): Promise<PaymentRecord> {
    const payment = await this.find(paymentId);
    if (!payment) throw new PaymentOperationError('bank_refused', `no payment ${paymentId}`, false);
    return payment;
  }

  /**
   * Applies an event and stores the result, only if the stored payment is still in the status it was read in (the
   * payment's workflow is its one writer; the condition guards against a late reversal callback).
   */
  private async apply(
    payment: PaymentRecord,
    event: PaymentEvent,
    extra: Partial<PaymentRecord> = {},
  ): Promise<PaymentRecord> {
    const at = this.now();
    const next = {
      ...payment,
      ...applyPaymentEvent(payment, event),
      ...timingAfter(payment, event, at),
      ...extra,
      updatedAt: at,
    };
    const unset = Object.fromEntries(
      Object.entries(next)
        .filter(([, value]) => value === undefined)
        .map(([key]) => [key, '']),
    );
    const set = Object.fromEntries(Object.entries(next).filter(([key, value]) => value !== undefined && key !== '_id'));
    const result = await this.collection.updateOne(
      { _id: payment._id, status: payment.status },
      (Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set }) as never,
    );
    if (result.matchedCount === 0) return (await this.find(payment._id)) ?? next;
    return next;
  }

  private async openCard(sealed: string): Promise<Card | undefined> {
    try {
      const card = JSON.parse(await this.instruments.open(sealed)) as Card;
      return card.cvc ? card : { number: card.number, expMonth: card.expMonth, expYear: card.expYear };
    } catch (error) {
      // A key id another process has just added: the key ring reloads, the activity's retry opens it.
      rethrowUnlessUnreadable(error);
      return undefined;
    }
  }

  private async requiredCard(sealed: string): Promise<Card> {
    const card = await this.openCard(sealed);
    if (!card) throw new PaymentOperationError('card_unreadable', 'the sealed card cannot be opened', false);
    return card;
  }
}

/**
 * settleflow's reference of an operation (field 60, at most 64 characters): `<paymentId>:<operation>`, or, for a
 * payment id too long for that, a digest of it with the operation.
 */
export function operationReference(paymentId: string, operation: string): string {
  const full = `${paymentId}:${operation}`;
  return full.length <= 64 ? full : `${rrnFor(`ref:${paymentId}`)}${rrnFor(`ref2:${paymentId}`)}:${operation}`;
}

function leg(account: string, direction: 'DEBIT' | 'CREDIT', amountMinor: number, payment: PaymentState): JournalLeg {
  return { account, direction, amount: { amount: amountMinor, currency: payment.amount.currency } };
}

function summary(payment: PaymentRecord): PaymentSummary {
  return {
    paymentId: payment._id,
    status: payment.status,
    amount: payment.amount,
    authorizedMinor: payment.authorizedMinor,
    capturedMinor: payment.capturedMinor,
    refundedMinor: payment.refundedMinor,
    declineCode: payment.declineCode,
    last4: payment.last4,
  };
}
