// Electronic checks at the gateway: the customer's IBAN is collected by an ISO 20022 interbank direct debit
// (pacs.003.001.08, one transaction per payment) posted to the bank host's ISO 20022 channel. The bank answers at once
// with a pacs.002 (ACSP: the payment stays `processing` through the clearing period; RJCT: `failed` with the reason);
// after the clearing period its reports say ACSC (the payment `succeeded`, booked as a capture) or pacs.004 (`failed`,
// declineCode = the return reason, e.g. AM04, AC04, MD06). A refund is a pacs.008 credit transfer from the gateway's
// settlement account back to the IBAN, booked once the bank says ACSC. Every document sent and received is recorded
// with its IBANs masked (`bank_iso20022_messages`). Message ids derive from the payment id, so a repeat posts the same
// document and the bank answers it with its first answer. It must never store or log an IBAN in clear.

import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import type { Money } from '../domain/money';
import { refundableMinor } from '../domain/payment';
import {
  buildCreditTransferBatch,
  buildInterbankDirectDebitBatch,
  isValidIban,
  maskAccountNumbers,
  parsePaymentStatusReport,
  transactionStatusIn,
} from '../iso20022';
import type { Database } from '../persistence/database';
import { isDuplicateKeyError } from '../persistence/database';
import type { PurposeKeys } from '../security/purpose-keys';
import { cardAccounts, PaymentOperationError } from './card-payments';
import { fetchIso20022Reports, postIso20022Document } from './iso20022-channel-client';
import type { MethodPaymentRecord } from './payment-records';
import { legOf, MethodPaymentStore, methodSummary } from './payment-records';
import type { InstrumentOpener } from './vault/instruction-opener';
import { rethrowUnlessUnreadable, sealedInstrumentOpener } from './vault/instruction-opener';

/** The collection of recorded ISO 20022 documents. */
export const BANK_ISO20022_MESSAGES = 'bank_iso20022_messages';

/** One ISO 20022 document exchanged with the bank for a payment, IBANs masked. */
export interface Iso20022MessageRecord {
  _id: string;
  paymentId: string;
  /** `out` to the bank, `in` from it. */
  direction: 'out' | 'in';
  /** The message and version, e.g. `pacs.003.001.08`. */
  message: string;
  /** ACSP, RJCT, ACSC for a pacs.002; RETURNED for a pacs.004; absent for what the gateway sent. */
  status?: string | undefined;
  reason?: string | undefined;
  /** The document with every IBAN masked. */
  xml: string;
  at: Date;
}

/** What the customer sends for an electronic check, sealed for its trip through Temporal. */
export interface EcheckInstrument {
  method: 'echeck';
  iban: string;
  accountHolder: string;
}

/** Settings of electronic checks (README, Payment methods). */
export interface EcheckSettings {
  /** Base URL of the bank host's ISO 20022 channel (BANK_HOST_ISO20022_URL). */
  iso20022Url: string;
  /** The gateway's bearer token on that channel (BANK_HOST_ISO20022_TOKEN); without it the bank answers 401. */
  iso20022Token?: string | undefined;
  /** The gateway's settlement account, creditor of the direct debits (GATEWAY_SETTLEMENT_IBAN). */
  creditorIban: string;
  /** The bank's BIC, for both agents (the bank host is both sides' bank). */
  bankBic: string;
  /** How long the gateway waits before it asks for the outcome (ECHECK_CLEARING_MS). */
  clearingMs: number;
  /** How long one HTTP exchange with the channel may take. */
  requestTimeoutMs: number;
  /** Sees every document sent and received, in clear (tests validate them against the XSDs); never logs them. */
  observe?: ((message: string, xml: string) => void) | undefined;
}

/** What a submission answers: the payment, and how long its clearing lasts. */
export interface EcheckSubmission {
  summary: PaymentSummary;
  clearingMs: number;
}

/** A report of the bank about a message, as its channel serves it. */
interface ChannelReport {
  message: string;
  status: string;
  endToEndId?: string;
  reason?: string;
  xml: string;
}

/** A Max35Text message id derived from what it identifies. */
export function echeckMessageId(prefix: 'DD' | 'RF', key: string): string {
  return `${prefix}${createHash('sha256').update(key).digest('hex').slice(0, 30).toUpperCase()}`;
}

/** The electronic check operations. */
export class EcheckPayments {
  private readonly store: MethodPaymentStore;
  private readonly instruments: InstrumentOpener;

  constructor(
    private readonly db: Database,
    vault: PurposeKeys,
    private readonly settings: EcheckSettings,
    private readonly now: () => Date = () => new Date(),
    /** Opens instrument references (vault tokens); values sealed under `vault` only when absent. */
    instruments?: InstrumentOpener,
  ) {
    this.store = new MethodPaymentStore(db, now);
    this.instruments = instruments ?? sealedInstrumentOpener(vault);
  }

  /** The stored payment, or null. */
  find(paymentId: string): Promise<MethodPaymentRecord | null> {
    return this.store.find(paymentId);
  }

  /**
   * Sends the direct debit (pacs.003) and takes the bank's immediate pacs.002: `processing` when accepted (ACSP),
   * `failed` with the reason when rejected. Idempotent: a payment past `processing` answers its state; one still
   * `processing` posts the same message again (the bank answers a repeat with its first answer).
   * @throws PaymentOperationError retryable when the channel cannot be reached
   */
  async submit(input: {
    orderId: string;
    attempt: number;
    sellerId: string;
    customerId?: string | undefined;
    amount: Money;
    sealedInstrument: string;
  }): Promise<EcheckSubmission> {
    const paymentId = paymentIdFor(input.orderId, input.attempt);
    const instrument = await this.openInstrument(input.sealedInstrument);
    const messageId = echeckMessageId('DD', paymentId);
    let payment = await this.store.findOrCreate({
      paymentId,
      method: 'echeck',
      orderId: input.orderId,
      attempt: input.attempt,
      sellerId: input.sellerId,
      customerId: input.customerId,
      amount: input.amount,
      last4: instrument?.iban.slice(-4) ?? '????',
      extra: { directDebit: { messageId, endToEndId: `${messageId}-1` } },
    });
    const done = (record: MethodPaymentRecord) => ({ summary: methodSummary(record), clearingMs: this.clearingMs });
    if (payment.status === 'requires_payment_method') payment = await this.store.apply(payment, { type: 'SUBMITTED' });
    if (payment.status !== 'processing') return done(payment);
    if (!instrument) {
      const declined = await this.store.apply(payment, { type: 'DECLINED', declineCode: 'iban_unreadable' });
      await this.instruments.answered(input.sealedInstrument);
      return done(declined);
    }
    const debit = payment.directDebit!;
    const xml = buildInterbankDirectDebitBatch({
      messageId: debit.messageId,
      createdAt: isoSeconds(payment.createdAt),
      settlementDate: isoDate(payment.createdAt),
      settlementMethod: 'CLRG',
      transactions: [
        {
          endToEndId: debit.endToEndId,
          sequenceType: 'OOFF',
          amount: payment.amount,
          chargeBearer: 'SLEV',
          mandate: { id: debit.messageId, signedOn: isoDate(payment.createdAt) },
          creditor: { name: 'settleflow gateway' },
          creditorAccount: { iban: this.settings.creditorIban },
          creditorAgent: { bic: this.settings.bankBic },
          debtor: { name: instrument.accountHolder },
          debtorAccount: { iban: instrument.iban },
          debtorAgent: { bic: this.settings.bankBic },
          remittanceInformation: `order ${payment.orderId}`.slice(0, 140),
        },
      ],
    });
    const answer = await this.post(payment._id, 'pacs.003.001.08', debit.messageId, xml);
    await this.instruments.answered(input.sealedInstrument);
    // Its own status, or the message's when the bank answered it with a group status alone.
    const transaction = transactionStatusIn(parsePaymentStatusReport(answer), debit);
    await this.recordOnce(payment._id, `${debit.messageId}:intake`, 'in', 'pacs.002.001.11', answer, {
      status: transaction?.status,
      reason: transaction?.reason,
    });
    if (transaction?.status === 'RJCT') {
      return done(await this.store.apply(payment, { type: 'DECLINED', declineCode: transaction.reason ?? 'RJCT' }));
    }
    return done(await this.store.markAnswered(payment));
  }

  /**
   * Takes the bank's outcome of the direct debit after the clearing period: ACSC settles the payment (booked as a
   * capture to the seller's payable), a pacs.004 fails it with the return reason.
   * @throws PaymentOperationError retryable (`outcome_unknown`) while the bank has not cleared it yet
   */
  async settle(paymentId: string): Promise<PaymentSummary> {
    const payment = await this.required(paymentId);
    if (payment.status !== 'processing') return methodSummary(payment);
    const debit = payment.directDebit!;
    const report = await this.outcomeOf(payment._id, debit.messageId, debit.endToEndId);
    if (report.status === 'ACSC') {
      const { amount, currency } = payment.amount;
      await this.store.book(payment, 'capture', 'CAPTURE', [
        legOf(cardAccounts.clearing, 'DEBIT', amount, currency),
        legOf(cardAccounts.sellerPayable(payment.sellerId), 'CREDIT', amount, currency),
      ]);
      return methodSummary(await this.store.apply(payment, { type: 'CLEARED', amountMinor: amount }));
    }
    return methodSummary(await this.store.apply(payment, { type: 'RETURNED', reason: report.reason ?? 'MS03' }));
  }

  /**
   * Sends refund `refundNo` of a settled e-check: a pacs.008 credit transfer from the gateway's settlement account to
   * the customer's IBAN. Idempotent by refund number.
   * @throws PaymentOperationError not retryable when the bank rejects it, retryable when it cannot be reached
   */
  async submitRefund(input: {
    paymentId: string;
    refundNo: number;
    amountMinor?: number | undefined;
    sealedInstrument: string;
  }): Promise<EcheckSubmission> {
    let payment = await this.required(input.paymentId);
    const done = (record: MethodPaymentRecord) => ({ summary: methodSummary(record), clearingMs: this.clearingMs });
    if (payment.refunds.some((refund) => refund.refundNo === input.refundNo)) {
      // Submitted before (a retried activity): post the same message again; the bank answers its first answer.
    } else if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') {
      return done(payment);
    }
    const instrument = await this.openInstrument(input.sealedInstrument);
    if (!instrument) throw new PaymentOperationError('card_unreadable', 'the sealed IBAN cannot be opened', false);
    const messageId = echeckMessageId('RF', `${payment._id}:refund:${input.refundNo}`);
    const existing = payment.refunds.find((refund) => refund.refundNo === input.refundNo);
    const amountMinor = existing?.amountMinor ?? input.amountMinor ?? refundableMinor(payment);
    if (!existing) {
      payment = await this.store.apply(payment, undefined, {
        refunds: [
          ...payment.refunds,
          { refundNo: input.refundNo, reference: messageId, amountMinor, state: 'submitted' },
        ],
      });
    }
    const xml = buildCreditTransferBatch({
      messageId,
      createdAt: isoSeconds(this.now()),
      settlementDate: isoDate(this.now()),
      settlementMethod: 'CLRG',
      transactions: [
        {
          endToEndId: `${messageId}-1`,
          amount: { amount: amountMinor, currency: payment.amount.currency },
          chargeBearer: 'SLEV',
          debtor: { name: 'settleflow gateway' },
          debtorAccount: { iban: this.settings.creditorIban },
          debtorAgent: { bic: this.settings.bankBic },
          creditor: { name: instrument.accountHolder },
          creditorAccount: { iban: instrument.iban },
          creditorAgent: { bic: this.settings.bankBic },
          remittanceInformation: `refund ${input.refundNo} of order ${payment.orderId}`.slice(0, 140),
        },
      ],
    });
    const answer = await this.post(payment._id, 'pacs.008.001.09', messageId, xml);
    const transaction = transactionStatusIn(parsePaymentStatusReport(answer), {
      messageId,
      endToEndId: `${messageId}-1`,
    });
    await this.recordOnce(payment._id, `${messageId}:intake`, 'in', 'pacs.002.001.11', answer, {
      status: transaction?.status,
      reason: transaction?.reason,
    });
    if (transaction?.status === 'RJCT') {
      throw new PaymentOperationError(
        'bank_refused',
        `the bank rejected the refund (${transaction.reason ?? 'RJCT'})`,
        false,
      );
    }
    return done(payment);
  }

  /**
   * Takes the bank's outcome of refund `refundNo`: ACSC books it and moves the payment to `partially_refunded` or
   * `refunded`; a pacs.004 fails the refund for good.
   * @throws PaymentOperationError retryable while the transfer clears; not retryable when it came back
   */
  async settleRefund(input: { paymentId: string; refundNo: number; settled: boolean }): Promise<PaymentSummary> {
    const payment = await this.required(input.paymentId);
    const refund = payment.refunds.find((candidate) => candidate.refundNo === input.refundNo);
    if (!refund || refund.state === 'done') return methodSummary(payment);
    const report = await this.outcomeOf(payment._id, refund.reference, `${refund.reference}-1`);
    if (report.status !== 'ACSC') {
      throw new PaymentOperationError('bank_refused', `the refund came back (${report.reason ?? 'returned'})`, false);
    }
    const currency = payment.amount.currency;
    const payable = input.settled
      ? cardAccounts.sellerBank(payment.sellerId)
      : cardAccounts.sellerPayable(payment.sellerId);
    await this.store.book(payment, `refund:${input.refundNo}`, 'REFUND', [
      legOf(payable, 'DEBIT', refund.amountMinor, currency),
      legOf(cardAccounts.clearing, 'CREDIT', refund.amountMinor, currency),
    ]);
    const refunds = payment.refunds.map((candidate) =>
      candidate.refundNo === input.refundNo ? { ...candidate, state: 'done' as const } : candidate,
    );
    return methodSummary(
      await this.store.apply(payment, { type: 'REFUNDED', amountMinor: refund.amountMinor }, { refunds }),
    );
  }

  /** The recorded ISO 20022 documents of a payment, oldest first. */
  async messagesOf(paymentId: string): Promise<Iso20022MessageRecord[]> {
    return iso20022MessagesOf(this.db, paymentId);
  }

  // ---- internals

  private get clearingMs(): number {
    return this.settings.clearingMs;
  }

  private get messages() {
    return (this.db.connection as Connection).collection<Iso20022MessageRecord>(BANK_ISO20022_MESSAGES);
  }

  private async required(paymentId: string): Promise<MethodPaymentRecord> {
    const payment = await this.store.find(paymentId);
    if (!payment || payment.method !== 'echeck') {
      throw new PaymentOperationError('bank_refused', `no e-check payment ${paymentId}`, false);
    }
    return payment;
  }

  private async openInstrument(sealed: string): Promise<EcheckInstrument | undefined> {
    try {
      const instrument = JSON.parse(await this.instruments.open(sealed)) as EcheckInstrument;
      return instrument.method === 'echeck' && isValidIban(instrument.iban) ? instrument : undefined;
    } catch (error) {
      // A key id another process has just added: the key ring reloads, the activity's retry opens it.
      rethrowUnlessUnreadable(error);
      return undefined;
    }
  }

  /** Posts a document (recorded masked first) and answers the bank's pacs.002. */
  private async post(paymentId: string, message: string, messageId: string, xml: string): Promise<string> {
    await this.recordOnce(paymentId, `${messageId}:out`, 'out', message, xml, {});
    return postIso20022Document(this.settings, xml, message);
  }

  /** The settled (ACSC) or returned (pacs.004) report of one transaction, recorded once. */
  private async outcomeOf(paymentId: string, messageId: string, endToEndId: string): Promise<ChannelReport> {
    const reports = await fetchIso20022Reports<ChannelReport>(this.settings, messageId);
    const outcome = reports.find(
      (report) => report.endToEndId === endToEndId && (report.status === 'ACSC' || report.status === 'RETURNED'),
    );
    if (!outcome) throw new PaymentOperationError('outcome_unknown', `${messageId} is still clearing`, true);
    await this.recordOnce(paymentId, `${messageId}:outcome`, 'in', outcome.message, outcome.xml, {
      status: outcome.status,
      reason: outcome.reason,
    });
    return outcome;
  }

  private async recordOnce(
    paymentId: string,
    id: string,
    direction: 'out' | 'in',
    message: string,
    xml: string,
    extra: { status?: string | undefined; reason?: string | undefined },
  ): Promise<void> {
    this.settings.observe?.(message, xml);
    const record: Iso20022MessageRecord = {
      _id: id,
      paymentId,
      direction,
      message,
      xml: maskAccountNumbers(xml),
      at: this.now(),
      ...(extra.status === undefined ? {} : { status: extra.status }),
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    };
    try {
      await this.messages.insertOne(record);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}

/** The recorded ISO 20022 documents of a payment, oldest first (for GET /v1/payments/{id}/messages). */
export async function iso20022MessagesOf(db: Database, paymentId: string): Promise<Iso20022MessageRecord[]> {
  return (db.connection as Connection)
    .collection<Iso20022MessageRecord>(BANK_ISO20022_MESSAGES)
    .find({ paymentId })
    .sort({ at: 1, _id: 1 })
    .toArray() as Promise<Iso20022MessageRecord[]>;
}

function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}
