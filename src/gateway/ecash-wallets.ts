// Electronic cash: stored-value wallets held by the gateway (`gateway_wallets`), each owned by one customer in one
// currency. A wallet's balance is the sum of its insert-only entries (`gateway_wallet_entries`): entry n of a wallet
// has the id `<walletId>:<n>`, so two writers racing for the same slot cannot both win (the loser reads again), and
// every entry names its reference (a top-up's, a payment's, a refund's), so an operation repeated posts once. Each
// entry has its balanced journal in the ledger (accounts `wallet:<walletId>` and the stored-value float). A wallet is
// topped up by a card payment through the bank host (authorization then capture: card-payments.ts), spent on an order
// and refunded to. It must never let a wallet go below zero, and never hold card data.

import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import type { JournalLeg } from '../domain/ledger';
import type { Money } from '../domain/money';
import { refundableMinor } from '../domain/payment';
import type { Database } from '../persistence/database';
import { isDuplicateKeyError } from '../persistence/database';
import { postJournal } from '../persistence/ledger-store';
import type { PurposeKeys } from '../security/purpose-keys';
import type { CardPayments } from './card-payments';
import { cardAccounts, PaymentOperationError } from './card-payments';
import type { MethodPaymentRecord } from './payment-records';
import { legOf, MethodPaymentStore, methodSummary } from './payment-records';
import type { InstrumentOpener } from './vault/instruction-opener';
import { rethrowUnlessUnreadable, sealedInstrumentOpener } from './vault/instruction-opener';

/** The wallets collection. */
export const GATEWAY_WALLETS = 'gateway_wallets';
/** The wallets' insert-only entries. */
export const GATEWAY_WALLET_ENTRIES = 'gateway_wallet_entries';

/** Ledger accounts of electronic cash. */
export const walletAccounts = {
  /** What a wallet holds: the gateway owes it to the wallet's owner. */
  wallet: (walletId: string) => `wallet:${walletId}`,
  /** The seller id of top-up card payments: their captures are credited to `seller:<it>:payable`, the float. */
  floatSellerId: 'gateway-wallets',
  /** The stored-value float: card money taken in for wallets, until it moves to a wallet. */
  float: 'seller:gateway-wallets:payable',
};

/** A wallet as stored. */
export interface WalletRecord {
  _id: string;
  ownerId: string;
  currency: string;
  createdAt: Date;
}

/** One insert-only entry of a wallet. */
export interface WalletEntry {
  /** `<walletId>:<seq>`. */
  _id: string;
  walletId: string;
  seq: number;
  /** `topup:<reference>`, `spend:<paymentId>` or `refund:<paymentId>:<n>`: unique within the wallet. */
  reference: string;
  kind: 'TOP_UP' | 'SPEND' | 'REFUND';
  /** Positive in, negative out. */
  deltaMinor: number;
  /** The wallet's balance after this entry. */
  balanceMinor: number;
  at: Date;
}

/** A wallet with its balance, as its owner and operators read it. */
export interface WalletView {
  walletId: string;
  ownerId: string;
  balance: Money;
  entries: { seq: number; kind: WalletEntry['kind']; reference: string; amountMinor: number; at: string }[];
}

/** What the customer names to pay by electronic cash, sealed like a card for its trip through Temporal. */
export interface EcashInstrument {
  method: 'ecash';
  walletId: string;
}

/** A top-up's outcome. */
export interface TopUpResult {
  walletId: string;
  reference: string;
  /** The card payment through the bank host (`payment-wallet-<walletId>-<reference>-1`). */
  paymentId: string;
  status: 'succeeded' | 'failed';
  declineCode?: string | undefined;
  balance: Money;
}

/** The wallet id a customer's new wallet gets from its creation reference (a repeat finds the same wallet). */
export function walletIdFor(ownerId: string, reference: string): string {
  return `wal_${createHash('sha256').update(`${ownerId}\u0000${reference}`).digest('hex').slice(0, 24)}`;
}

/** The order id under which a top-up is paid by card (and booked), so its payment id is `payment-<it>-1`. */
export function topUpOrderId(walletId: string, reference: string): string {
  return `wallet-${walletId}-topup-${reference}`;
}

/** The workflow id of a top-up on the gateway's queue (gateway/workflows/wallet-top-up-workflow.ts). */
export function walletTopUpWorkflowId(walletId: string, reference: string): string {
  return `wallet-topup-${walletId}-${reference}`;
}

/** The wallets and their entries. */
export class EcashWallets {
  private readonly store: MethodPaymentStore;

  private readonly instruments: InstrumentOpener;

  constructor(
    private readonly db: Database,
    vault: PurposeKeys,
    private readonly now: () => Date = () => new Date(),
    /** Opens instrument references (vault tokens); values sealed under `vault` only when absent. */
    instruments?: InstrumentOpener,
  ) {
    this.store = new MethodPaymentStore(db, now);
    this.instruments = instruments ?? sealedInstrumentOpener(vault);
  }

  private get wallets() {
    return (this.db.connection as Connection).collection<WalletRecord>(GATEWAY_WALLETS);
  }

  private get entries() {
    return (this.db.connection as Connection).collection<WalletEntry>(GATEWAY_WALLET_ENTRIES);
  }

  /** Opens a wallet (idempotent by id). */
  async open(input: { walletId: string; ownerId: string; currency: string }): Promise<WalletRecord> {
    const record: WalletRecord = {
      _id: input.walletId,
      ownerId: input.ownerId,
      currency: input.currency,
      createdAt: this.now(),
    };
    await this.wallets.updateOne({ _id: input.walletId }, { $setOnInsert: record }, { upsert: true });
    return (await this.find(input.walletId))!;
  }

  /** The wallet, or null. */
  async find(walletId: string): Promise<WalletRecord | null> {
    return (await this.wallets.findOne({ _id: walletId })) as WalletRecord | null;
  }

  /** The wallet's balance and entries, oldest first. */
  async view(wallet: WalletRecord): Promise<WalletView> {
    const entries = await this.entriesOf(wallet._id);
    return {
      walletId: wallet._id,
      ownerId: wallet.ownerId,
      balance: { amount: entries.at(-1)?.balanceMinor ?? 0, currency: wallet.currency },
      entries: entries.map((entry) => ({
        seq: entry.seq,
        kind: entry.kind,
        reference: entry.reference,
        amountMinor: entry.deltaMinor,
        at: new Date(entry.at).toISOString(),
      })),
    };
  }

  /**
   * Tops the wallet up by `amount` from a card: a card payment through the bank host (authorization, then capture),
   * then the wallet's entry. Idempotent by reference: a repeat (even concurrent) charges the card once and posts once.
   */
  async topUp(
    cards: CardPayments,
    input: { walletId: string; reference: string; amountMinor: number; sealedCard: string },
  ): Promise<TopUpResult> {
    const wallet = await this.requiredWallet(input.walletId);
    const orderId = topUpOrderId(wallet._id, input.reference);
    const paymentId = paymentIdFor(orderId, 1);
    const amount = { amount: input.amountMinor, currency: wallet.currency };
    const result = (status: TopUpResult['status'], balanceMinor: number, declineCode?: string): TopUpResult => ({
      walletId: wallet._id,
      reference: input.reference,
      paymentId,
      status,
      ...(declineCode === undefined ? {} : { declineCode }),
      balance: { amount: balanceMinor, currency: wallet.currency },
    });
    let payment = await cards.authorize({
      orderId,
      attempt: 1,
      sellerId: walletAccounts.floatSellerId,
      amount,
      captureMode: 'at_delivery',
      sealedCard: input.sealedCard,
    });
    if (payment.status === 'requires_capture') {
      payment = await cards.capture({ paymentId, sealedCard: input.sealedCard });
    }
    if (payment.status !== 'succeeded') {
      if (payment.status === 'unknown') {
        throw new PaymentOperationError('outcome_unknown', 'the top-up is being reversed; ask again', true);
      }
      return result('failed', await this.balanceOf(wallet._id), payment.declineCode ?? 'declined');
    }
    await this.post(wallet, `topup:${input.reference}`, 'TOP_UP', payment.capturedMinor);
    await postJournal(this.db, {
      journalId: `${paymentId}:wallet`,
      orderId,
      kind: 'SETTLEMENT',
      at: this.now().toISOString(),
      legs: [
        legOf(walletAccounts.float, 'DEBIT', payment.capturedMinor, wallet.currency),
        legOf(walletAccounts.wallet(wallet._id), 'CREDIT', payment.capturedMinor, wallet.currency),
      ],
    });
    return result('succeeded', await this.balanceOf(wallet._id));
  }

  /**
   * Pays an order's attempt from the wallet the sealed instrument names: `succeeded` at once (the wallet's entry and
   * the journal to the seller's payable), or `failed` with `insufficient_funds`, `wallet_not_found` or
   * `currency_mismatch`. Idempotent by payment id.
   */
  async spend(input: {
    orderId: string;
    attempt: number;
    sellerId: string;
    customerId?: string | undefined;
    amount: Money;
    sealedInstrument: string;
  }): Promise<PaymentSummary> {
    const paymentId = paymentIdFor(input.orderId, input.attempt);
    const instrument = await this.openInstrument(input.sealedInstrument);
    await this.instruments.answered(input.sealedInstrument);
    let payment = await this.store.findOrCreate({
      paymentId,
      method: 'ecash',
      orderId: input.orderId,
      attempt: input.attempt,
      sellerId: input.sellerId,
      customerId: input.customerId,
      amount: input.amount,
      last4: instrument?.walletId.slice(-4) ?? '????',
      extra: instrument ? { walletId: instrument.walletId } : {},
    });
    if (payment.status === 'requires_payment_method') payment = await this.store.apply(payment, { type: 'SUBMITTED' });
    if (payment.status !== 'processing') return methodSummary(payment);
    const decline = async (declineCode: string) =>
      methodSummary(await this.store.apply(payment, { type: 'DECLINED', declineCode }));
    const wallet = instrument ? await this.find(instrument.walletId) : null;
    if (!wallet || (input.customerId !== undefined && wallet.ownerId !== input.customerId)) {
      return decline('wallet_not_found');
    }
    if (wallet.currency !== payment.amount.currency) return decline('currency_mismatch');
    const entry = await this.post(wallet, `spend:${paymentId}`, 'SPEND', -payment.amount.amount);
    if (entry === 'insufficient_funds') return decline('insufficient_funds');
    await this.book(payment, 'capture', 'CAPTURE', [
      legOf(walletAccounts.wallet(wallet._id), 'DEBIT', payment.amount.amount, wallet.currency),
      legOf(cardAccounts.sellerPayable(payment.sellerId), 'CREDIT', payment.amount.amount, wallet.currency),
    ]);
    return methodSummary(await this.store.apply(payment, { type: 'PURCHASED', amountMinor: payment.amount.amount }));
  }

  /** Refunds (part of) an e-cash payment into its wallet as refund `refundNo`. Idempotent by refund number. */
  async refund(input: {
    paymentId: string;
    refundNo: number;
    amountMinor?: number | undefined;
    settled: boolean;
  }): Promise<PaymentSummary> {
    const payment = await this.requiredPayment(input.paymentId);
    if (payment.refunds.some((refund) => refund.refundNo === input.refundNo)) return methodSummary(payment);
    if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') return methodSummary(payment);
    const wallet = await this.requiredWallet(payment.walletId ?? '');
    const amountMinor = input.amountMinor ?? refundableMinor(payment);
    const reference = `refund:${payment._id}:${input.refundNo}`;
    await this.post(wallet, reference, 'REFUND', amountMinor);
    const payable = input.settled
      ? cardAccounts.sellerBank(payment.sellerId)
      : cardAccounts.sellerPayable(payment.sellerId);
    await this.book(payment, `refund:${input.refundNo}`, 'REFUND', [
      legOf(payable, 'DEBIT', amountMinor, wallet.currency),
      legOf(walletAccounts.wallet(wallet._id), 'CREDIT', amountMinor, wallet.currency),
    ]);
    return methodSummary(
      await this.store.apply(
        payment,
        { type: 'REFUNDED', amountMinor },
        { refunds: [...payment.refunds, { refundNo: input.refundNo, reference, amountMinor, state: 'done' }] },
      ),
    );
  }

  /** The wallet's entries, oldest first. */
  async entriesOf(walletId: string): Promise<WalletEntry[]> {
    return (await this.entries.find({ walletId }).sort({ seq: 1 }).toArray()) as WalletEntry[];
  }

  /** The wallet's balance (its last entry's). */
  async balanceOf(walletId: string): Promise<number> {
    const last = (await this.entries.find({ walletId }).sort({ seq: -1 }).limit(1).toArray())[0] as
      WalletEntry | undefined;
    return last?.balanceMinor ?? 0;
  }

  // ---- internals

  /**
   * Posts an entry under the reference, unless the wallet has one already (then answers it). The entry takes the next
   * slot `<walletId>:<seq+1>`: a concurrent writer that took it first makes this one read again, so the balance is
   * checked against every entry before it. A debit beyond the balance posts nothing.
   */
  private async post(
    wallet: WalletRecord,
    reference: string,
    kind: WalletEntry['kind'],
    deltaMinor: number,
  ): Promise<WalletEntry | 'insufficient_funds'> {
    for (let tries = 0; tries < 1_000; tries += 1) {
      const earlier = (await this.entries.findOne({ walletId: wallet._id, reference })) as WalletEntry | null;
      if (earlier) return earlier;
      const last = (await this.entries.find({ walletId: wallet._id }).sort({ seq: -1 }).limit(1).toArray())[0] as
        WalletEntry | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const balanceMinor = (last?.balanceMinor ?? 0) + deltaMinor;
      if (balanceMinor < 0) return 'insufficient_funds';
      const entry: WalletEntry = {
        _id: `${wallet._id}:${seq}`,
        walletId: wallet._id,
        seq,
        reference,
        kind,
        deltaMinor,
        balanceMinor,
        at: this.now(),
      };
      try {
        await this.entries.insertOne(entry);
        return entry;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    throw new PaymentOperationError('bank_unavailable', `wallet ${wallet._id} is too busy; try again`, true);
  }

  private book(payment: MethodPaymentRecord, suffix: string, kind: 'CAPTURE' | 'REFUND', legs: JournalLeg[]) {
    return this.store.book(payment, suffix, kind, legs);
  }

  private async requiredWallet(walletId: string): Promise<WalletRecord> {
    const wallet = await this.find(walletId);
    if (!wallet) throw new PaymentOperationError('bank_refused', `no wallet ${walletId}`, false);
    return wallet;
  }

  private async requiredPayment(paymentId: string): Promise<MethodPaymentRecord> {
    const payment = await this.store.find(paymentId);
    if (!payment || payment.method !== 'ecash') {
      throw new PaymentOperationError('bank_refused', `no e-cash payment ${paymentId}`, false);
    }
    return payment;
  }

  private async openInstrument(sealed: string): Promise<EcashInstrument | undefined> {
    try {
      const instrument = JSON.parse(await this.instruments.open(sealed)) as EcashInstrument;
      return instrument.method === 'ecash' && typeof instrument.walletId === 'string' ? instrument : undefined;
    } catch (error) {
      // A key id another process has just added: the key ring reloads, the activity's retry opens it.
      rethrowUnlessUnreadable(error);
      return undefined;
    }
  }
}
