// The merchant payment gateway: opens the sealed payment instruction, talks to the bank host through a
// BankConnector, and books every movement in the ledger. Each operation is idempotent by a reference
// derived from the order id and attempt number, so a retried activity never moves money twice.

import type { BankConnector, CardDetails } from '../bank/bank-connector';
import type { Money } from '../domain/money';
import { withoutZeroLegs } from '../domain/ledger';
import { gatewayFee } from '../domain/order';
import type { Settlement } from '../domain/order';
import type { Database } from '../persistence/database';
import { postJournal } from '../persistence/ledger-store';
import type { PurposeKeys } from '../security/purpose-keys';
import { rethrowIfTransient } from '../security/key-errors';

/** The outcome of one payment notification at the gateway. */
export interface PaymentOutcome {
  status: 'CAPTURED' | 'DECLINED';
  declineCode?: string | undefined;
  authorizationId?: string | undefined;
  captureId?: string | undefined;
}

/** What a compensation did to an order's payments. */
export type PaymentReversal = 'REFUNDED' | 'VOIDED' | 'NONE';

/** References of one payment attempt; also the bank's idempotency keys. */
export function paymentReferences(orderId: string, attempt: number) {
  const base = `${orderId}:pay:${attempt}`;
  return { authorization: `${base}:auth`, capture: `${base}:capture`, void: `${base}:void`, refund: `${base}:refund` };
}

/** Ledger accounts, named by owner. */
export const accounts = {
  clearing: 'gateway:clearing',
  feeRevenue: 'gateway:fee-revenue',
  sellerPayable: (sellerId: string) => `seller:${sellerId}:payable`,
  sellerBank: (sellerId: string) => `seller:${sellerId}:bank`,
};

/** The gateway's operations, bound to a bank, a ledger and the vault. */
export class PaymentGateway {
  constructor(
    private readonly db: Database,
    private readonly bank: BankConnector,
    private readonly vault: PurposeKeys,
  ) {}

  /**
   * Authorizes and captures a payment notification's amount, then books the capture.
   * A capture the bank refuses voids the authorization, so no money stays reserved.
   */
  async collect(request: {
    orderId: string;
    attempt: number;
    sellerId: string;
    amount: Money;
    sealedCard: string;
    at: string;
  }): Promise<PaymentOutcome> {
    const refs = paymentReferences(request.orderId, request.attempt);
    const card = this.openCard(request.sealedCard);
    if (!card) return { status: 'DECLINED', declineCode: 'card_unreadable' };
    const authorization = await this.bank.authorize({
      reference: refs.authorization,
      amount: request.amount,
      card,
      merchantId: request.sellerId,
    });
    if (!authorization.approved) return { status: 'DECLINED', declineCode: authorization.declineCode };
    const capture = await this.bank.capture({
      reference: refs.capture,
      authorizationReference: refs.authorization,
      amount: request.amount,
    });
    if (!capture.approved) {
      await this.bank.void({ reference: refs.void, authorizationReference: refs.authorization });
      return { status: 'DECLINED', declineCode: capture.declineCode, authorizationId: refs.authorization };
    }
    await postJournal(this.db, {
      journalId: `${request.orderId}:capture`,
      orderId: request.orderId,
      kind: 'CAPTURE',
      at: request.at,
      legs: [
        { account: accounts.clearing, direction: 'DEBIT', amount: request.amount },
        { account: accounts.sellerPayable(request.sellerId), direction: 'CREDIT', amount: request.amount },
      ],
    });
    return { status: 'CAPTURED', authorizationId: refs.authorization, captureId: refs.capture };
  }

  /** The card in a sealed instruction, or undefined when it was sealed under another key or tampered with. */
  private openCard(sealed: string): CardDetails | undefined {
    try {
      return JSON.parse(this.vault.open(sealed)) as CardDetails;
    } catch (error) {
      // A key id another process has just added: the key ring reloads, the activity's retry opens it.
      rethrowIfTransient(error);
      return undefined;
    }
  }

  /**
   * Settles a captured payment to the seller: the fee to the gateway, the rest paid out to the seller's bank.
   * Returns the transfer notice and bank settlement note the seller receives.
   */
  async settle(request: {
    orderId: string;
    sellerId: string;
    gross: Money;
    fee: { bps: number; fixedMinor: number };
    at: string;
  }): Promise<Settlement> {
    const fee = gatewayFee(request.gross, request.fee.bps, request.fee.fixedMinor);
    const net = { amount: request.gross.amount - fee.amount, currency: request.gross.currency };
    await postJournal(this.db, {
      journalId: `${request.orderId}:settlement`,
      orderId: request.orderId,
      kind: 'SETTLEMENT',
      at: request.at,
      legs: withoutZeroLegs([
        { account: accounts.sellerPayable(request.sellerId), direction: 'DEBIT', amount: request.gross },
        { account: accounts.feeRevenue, direction: 'CREDIT', amount: fee },
        { account: accounts.sellerBank(request.sellerId), direction: 'CREDIT', amount: net },
      ]),
    });
    return {
      transferNoticeId: `tn_${request.orderId}`,
      settlementNoteId: `sn_${request.orderId}`,
      gross: request.gross,
      fee,
      net,
      settledAt: request.at,
    };
  }

  /**
   * Whether the order's captured amount has been paid out to the seller (its settlement journal is posted): a refund
   * then charges the seller's bank account back; before, it only reverses the payable still in clearing.
   */
  async isSettled(orderId: string): Promise<boolean> {
    return (await this.db.ledger.findById(`${orderId}:settlement`, { _id: 1 }).lean()) !== null;
  }

  /**
   * Undoes an order's payment as far as it got, over all its attempts: refunds a capture, voids an
   * authorization that was never captured, or does nothing.
   */
  async reverse(request: {
    orderId: string;
    attempts: number;
    sellerId: string;
    amount: Money;
    settled: boolean;
    at: string;
  }): Promise<PaymentReversal> {
    for (let attempt = request.attempts; attempt >= 1; attempt -= 1) {
      const refs = paymentReferences(request.orderId, attempt);
      const capture = await this.bank.lookup(refs.capture);
      if (capture?.approved) {
        const refund = await this.bank.refund({
          reference: refs.refund,
          captureReference: refs.capture,
          amount: request.amount,
        });
        if (!refund.approved)
          throw new Error(`the bank refused refund ${refs.refund}: ${refund.declineCode ?? 'unknown'}`);
        await postJournal(this.db, {
          journalId: `${request.orderId}:refund`,
          orderId: request.orderId,
          kind: 'REFUND',
          at: request.at,
          legs: [
            {
              account: request.settled
                ? accounts.sellerBank(request.sellerId)
                : accounts.sellerPayable(request.sellerId),
              direction: 'DEBIT',
              amount: request.amount,
            },
            { account: accounts.clearing, direction: 'CREDIT', amount: request.amount },
          ],
        });
        return 'REFUNDED';
      }
      const authorization = await this.bank.lookup(refs.authorization);
      if (authorization?.approved && !capture) {
        await this.bank.void({ reference: refs.void, authorizationReference: refs.authorization });
        return 'VOIDED';
      }
    }
    return 'NONE';
  }
}
