// The gateway worker's activities of the payment methods other than a plain card: electronic checks (direct debit,
// outcome after clearing, refund by credit transfer), electronic cash (spend, refund, top-up by card) and the
// micropayment aggregate's card charge. Run only by the gateway worker. An operation whose outcome is not known yet
// (the bank still clearing, the channel unreachable) fails retryably; one the bank refused fails for good.

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PaymentCommand, PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import { DomainError } from '../domain/errors';
import type { CardPayments } from './card-payments';
import { PaymentOperationError } from './card-payments';
import type { EcashWallets, TopUpResult } from './ecash-wallets';
import type { EcheckPayments, EcheckSubmission } from './echeck-payments';
import type { AggregatorInput, MicropaymentMember, Micropayments } from './micropayments';

/** What the method activities need from the running gateway. */
export interface MethodActivityDeps {
  payments: CardPayments;
  echecks: EcheckPayments;
  wallets: EcashWallets;
  micropayments: Micropayments;
}

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PaymentOperationError) {
      throw ApplicationFailure.create({
        message: error.message,
        type: `PaymentOperationError:${error.code}`,
        nonRetryable: !error.retryable,
      });
    }
    if (error instanceof DomainError) {
      throw ApplicationFailure.nonRetryable(error.message, 'DomainError', { code: error.code, param: error.param });
    }
    throw error;
  }
}

/** The method activities, bound to the running gateway. */
export function createMethodActivities(deps: MethodActivityDeps) {
  return {
    /** Sends an e-check's direct debit (pacs.003); `processing` while it clears, `failed` when rejected. */
    async submitEcheck(command: Extract<PaymentCommand, { command: 'authorize' }>): Promise<EcheckSubmission> {
      return run(() =>
        deps.echecks.submit({
          orderId: command.orderId,
          attempt: command.attempt,
          sellerId: command.sellerId,
          customerId: command.customerId,
          amount: command.amount,
          sealedInstrument: command.sealedCard,
        }),
      );
    },
    /** Takes an e-check's outcome after clearing (retryable while the bank still clears it). */
    async settleEcheck(paymentId: string): Promise<PaymentSummary> {
      return run(() => deps.echecks.settle(paymentId));
    },
    /** Sends an e-check refund's credit transfer (pacs.008). */
    async submitEcheckRefund(command: Extract<PaymentCommand, { command: 'refund' }>): Promise<EcheckSubmission> {
      return run(() =>
        deps.echecks.submitRefund({
          paymentId: paymentIdFor(command.orderId, command.attempt),
          refundNo: command.refundNo,
          amountMinor: command.amountMinor,
          sealedInstrument: command.sealedCard,
        }),
      );
    },
    /** Takes an e-check refund's outcome (retryable while it clears). */
    async settleEcheckRefund(command: Extract<PaymentCommand, { command: 'refund' }>): Promise<PaymentSummary> {
      return run(() =>
        deps.echecks.settleRefund({
          paymentId: paymentIdFor(command.orderId, command.attempt),
          refundNo: command.refundNo,
          settled: command.settled,
        }),
      );
    },
    /** Pays an order's attempt from a wallet. */
    async spendEcash(command: Extract<PaymentCommand, { command: 'authorize' }>): Promise<PaymentSummary> {
      return run(() =>
        deps.wallets.spend({
          orderId: command.orderId,
          attempt: command.attempt,
          sellerId: command.sellerId,
          customerId: command.customerId,
          amount: command.amount,
          sealedInstrument: command.sealedCard,
        }),
      );
    },
    /** Refunds an e-cash payment into its wallet. */
    async refundEcash(command: Extract<PaymentCommand, { command: 'refund' }>): Promise<PaymentSummary> {
      return run(() =>
        deps.wallets.refund({
          paymentId: paymentIdFor(command.orderId, command.attempt),
          refundNo: command.refundNo,
          amountMinor: command.amountMinor,
          settled: command.settled,
        }),
      );
    },
    /** The aggregator of a card authorization that is a micropayment, or null (README, Payment methods). */
    async micropaymentAggregatorOf(command: Extract<PaymentCommand, { command: 'authorize' }>): Promise<string | null> {
      return (await deps.micropayments.aggregatorOf(command)) ?? null;
    },
    /**
     * Records a micropayment (held for its aggregate) and hands it to its aggregator: signal-with-start of the
     * aggregator workflow on this worker's task queue, so the first member starts it and later ones join it.
     */
    async recordMicropayment(
      command: Extract<PaymentCommand, { command: 'authorize' }>,
      aggregatorId: string,
    ): Promise<PaymentSummary> {
      const summary = await run(() => deps.micropayments.record(command, aggregatorId));
      if (summary.status !== 'requires_capture') return summary;
      const { client, info } = Context.current();
      const settings = deps.micropayments.settings;
      const start: AggregatorInput = {
        aggregatorId,
        sellerId: command.sellerId,
        currency: command.amount.currency,
        sealedCard: command.sealedCard,
        maxSumMinor: settings.maxSumMinor,
        maxAgeMs: settings.maxAgeMs,
        timeoutMs: command.timeoutMs,
        batchNo: 1,
        carried: [],
      };
      const member: MicropaymentMember = { paymentId: summary.paymentId, amountMinor: summary.amount.amount };
      await client.workflow.signalWithStart('micropaymentAggregatorWorkflow', {
        workflowId: aggregatorId,
        taskQueue: info.taskQueue,
        args: [start],
        signal: 'micropayment',
        signalArgs: [member],
      });
      return summary;
    },
    /** Whether a payment is a micropayment (its capture, void and refund go through its aggregate). */
    async isMicropayment(paymentId: string): Promise<boolean> {
      return deps.micropayments.isMember(paymentId);
    },
    /** A micropayment's outcome for its order's capture (retryable while its aggregate is not charged yet). */
    async micropaymentOutcome(paymentId: string): Promise<PaymentSummary> {
      return run(() => deps.micropayments.outcome(paymentId));
    },
    /** Voids a micropayment before its aggregate's charge, or refunds its share after. */
    async reverseMicropayment(command: Exclude<PaymentCommand, { command: 'authorize' }>): Promise<PaymentSummary> {
      return run(() =>
        deps.micropayments.void(deps.payments, paymentIdFor(command.orderId, command.attempt), command.sealedCard),
      );
    },
    /** Charges one batch of an aggregator as one card purchase and settles its members. */
    async chargeMicropayments(
      input: AggregatorInput,
      members: MicropaymentMember[],
    ): Promise<{ paymentId: string; status: string; members: number }> {
      return run(() => deps.micropayments.charge(deps.payments, input, members));
    },
    /** Tops a wallet up by card through the bank host (authorization, then capture). */
    async topUpWallet(input: WalletTopUpInput): Promise<TopUpResult> {
      return run(() => deps.wallets.topUp(deps.payments, input));
    },
  };
}

/** A wallet top-up as the API asks the gateway for it. */
export interface WalletTopUpInput {
  walletId: string;
  reference: string;
  amountMinor: number;
  sealedCard: string;
}

export type { AggregatorInput, MicropaymentMember, TopUpResult };

/** The method activities' type, for `proxyActivities`. */
export type MethodActivities = ReturnType<typeof createMethodActivities>;
