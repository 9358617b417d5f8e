// The stored payments of the methods other than the card (electronic check, electronic cash) in the gateway's one
// payments collection (`gateway_payments`, beside card payments, so GET /v1/payments/{id} reads every method): create
// once, move through the state machine of src/domain/payment.ts under a status condition, book a journal under a
// deterministic id. It must never store an instrument in clear (an IBAN is kept as its last 4 characters).

import type { Connection } from 'mongoose';
import type { PaymentMethod, PaymentSummary } from '../contracts/payment-contract';
import type { Journal, JournalLeg } from '../domain/ledger';
import type { Money } from '../domain/money';
import type { CaptureMode, PaymentEvent, PaymentState } from '../domain/payment';
import { applyPaymentEvent, newPayment } from '../domain/payment';
import type { AuthorizationTiming } from './authorization-timing';
import { timingAfter } from './authorization-timing';
import type { Database } from '../persistence/database';
import { postJournal } from '../persistence/ledger-store';
import { GATEWAY_PAYMENTS } from './card-payments';

/** One refund of a method payment: its reference at the bank (ISO 20022 message id) or in the wallet. */
export interface MethodRefund {
  refundNo: number;
  /** The pacs.008 message id (e-check) or the wallet entry's reference (e-cash). */
  reference: string;
  amountMinor: number;
  /** `submitted` while an e-check refund's credit transfer clears; `done` once it moved. */
  state: 'submitted' | 'done';
}

/** A payment by electronic check or electronic cash, as stored. */
export interface MethodPaymentRecord extends PaymentState, AuthorizationTiming {
  _id: string;
  /** `card` only for a micropayment (a member of an aggregate card charge). */
  method: PaymentMethod;
  orderId: string;
  attempt: number;
  sellerId: string;
  customerId?: string | undefined;
  /** Last 4 characters of the IBAN (e-check) or of the wallet id (e-cash). */
  last4: string;
  /** E-check: the pacs.003 message and its one transaction. */
  directDebit?: { messageId: string; endToEndId: string } | undefined;
  /** E-cash: the wallet paid from. */
  walletId?: string | undefined;
  /** A micropayment: its aggregator and, once charged, the aggregate card payment that settled it. */
  micropayment?:
    { aggregatorId: string; aggregatePaymentId?: string | undefined; memberNo?: number | undefined } | undefined;
  /** A micropayment's vault token (`pm_...`, never an instrument): its card is charged with the aggregate's. */
  instrumentToken?: string | undefined;
  refunds: MethodRefund[];
  createdAt: Date;
  updatedAt: Date;
}

/** Reads and writes method payments. */
export class MethodPaymentStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get collection() {
    return (this.db.connection as Connection).collection<MethodPaymentRecord>(GATEWAY_PAYMENTS);
  }

  /** The stored payment, or null. */
  async find(paymentId: string): Promise<MethodPaymentRecord | null> {
    const record = (await this.collection.findOne({ _id: paymentId })) as MethodPaymentRecord | null;
    return record ? { ...record, refunds: record.refunds ?? [] } : null;
  }

  /** The payment, created (`requires_payment_method`) when it does not exist yet. */
  async findOrCreate(input: {
    paymentId: string;
    method: MethodPaymentRecord['method'];
    orderId: string;
    attempt: number;
    sellerId: string;
    customerId?: string | undefined;
    amount: Money;
    last4: string;
    captureMode?: CaptureMode;
    extra?: Partial<MethodPaymentRecord>;
  }): Promise<MethodPaymentRecord> {
    const at = this.now();
    const record: MethodPaymentRecord = {
      ...newPayment(input.paymentId, input.amount, input.captureMode ?? 'immediate'),
      _id: input.paymentId,
      method: input.method,
      orderId: input.orderId,
      attempt: input.attempt,
      sellerId: input.sellerId,
      last4: input.last4,
      refunds: [],
      createdAt: at,
      updatedAt: at,
      ...(input.customerId === undefined ? {} : { customerId: input.customerId }),
      ...input.extra,
    };
    await this.collection.updateOne({ _id: input.paymentId }, { $setOnInsert: record }, { upsert: true });
    return (await this.find(input.paymentId))!;
  }

  /**
   * Applies an event and stores the result only if the stored payment is still in the status it was read in; a
   * concurrent writer's result wins and is returned.
   */
  async apply(
    payment: MethodPaymentRecord,
    event: PaymentEvent | undefined,
    extra: Partial<MethodPaymentRecord> = {},
  ): Promise<MethodPaymentRecord> {
    const at = this.now();
    const moved = event === undefined ? payment : { ...payment, ...applyPaymentEvent(payment, event) };
    const next = { ...moved, ...timingAfter(payment, event, at), ...extra, updatedAt: at } as MethodPaymentRecord;
    const unset = Object.fromEntries(
      Object.entries(next)
        .filter(([, value]) => value === undefined)
        .map(([key]) => [key, '']),
    );
    const set = Object.fromEntries(Object.entries(next).filter(([key, value]) => value !== undefined && key !== '_id'));
    const result = await this.collection.updateOne(
      { _id: payment._id, status: payment.status, updatedAt: payment.updatedAt },
      (Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set }) as never,
    );
    if (result.matchedCount === 0) return (await this.find(payment._id)) ?? next;
    return next;
  }

  /**
   * Records the first answer to a payment that stays `processing` (an e-check's direct debit accepted for clearing),
   * for the authorization latency; a payment answered before is returned unchanged.
   */
  async markAnswered(payment: MethodPaymentRecord): Promise<MethodPaymentRecord> {
    const timing = timingAfter(payment, 'ANSWERED', this.now());
    if (timing.answeredAt === undefined) return payment;
    return this.apply(payment, undefined, timing);
  }

  /** Books a journal `<paymentId>:<suffix>` (a repeat writes nothing). */
  book(payment: MethodPaymentRecord, suffix: string, kind: Journal['kind'], legs: JournalLeg[]): Promise<void> {
    return postJournal(this.db, {
      journalId: `${payment._id}:${suffix}`,
      orderId: payment.orderId,
      kind,
      at: this.now().toISOString(),
      legs,
    });
  }
}

/** A journal leg in the payment's currency. */
export function legOf(
  account: string,
  direction: 'DEBIT' | 'CREDIT',
  amountMinor: number,
  currency: string,
): JournalLeg {
  return { account, direction, amount: { amount: amountMinor, currency } };
}

/** The payment as the child workflow returns it. */
export function methodSummary(payment: MethodPaymentRecord): PaymentSummary {
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
