// The gateway worker's activities: the bank operations of one payment (authorize, capture, void, refund) through the
// connector. Run only by the gateway worker, the one process holding the bank connection. An operation the bank did
// not answer fails retryably (the retry repeats it under the same RRN); one the bank refused fails for good.

import { ApplicationFailure } from '@temporalio/common';
import type { PaymentCommand, PaymentSummary } from '../contracts/payment-contract';
import { paymentIdFor } from '../contracts/payment-contract';
import { DomainError } from '../domain/errors';
import type { CardPayments } from './card-payments';
import { PaymentOperationError } from './card-payments';

/** The gateway's activities, bound to the running card payments. */
export function createGatewayActivities(payments: CardPayments) {
  async function run(work: () => Promise<PaymentSummary>): Promise<PaymentSummary> {
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

  return {
    /** Authorizes (or purchases at once) an order's payment attempt. */
    async authorizePayment(command: Extract<PaymentCommand, { command: 'authorize' }>): Promise<PaymentSummary> {
      return run(() => payments.authorize(command));
    },
    /** Captures an authorized payment (all of it, or `amountMinor`). */
    async capturePayment(command: Extract<PaymentCommand, { command: 'capture' | 'void' }>): Promise<PaymentSummary> {
      return run(() =>
        payments.capture({
          paymentId: paymentIdFor(command.orderId, command.attempt),
          amountMinor: command.amountMinor,
          sealedCard: command.sealedCard,
        }),
      );
    },
    /** Voids an authorized payment. */
    async voidPayment(command: Extract<PaymentCommand, { command: 'capture' | 'void' }>): Promise<PaymentSummary> {
      return run(() =>
        payments.void({ paymentId: paymentIdFor(command.orderId, command.attempt), sealedCard: command.sealedCard }),
      );
    },
    /** Refunds (part of) a captured payment. */
    async refundPayment(command: Extract<PaymentCommand, { command: 'refund' }>): Promise<PaymentSummary> {
      return run(() =>
        payments.refund({
          paymentId: paymentIdFor(command.orderId, command.attempt),
          refundNo: command.refundNo,
          amountMinor: command.amountMinor,
          settled: command.settled,
          sealedCard: command.sealedCard,
        }),
      );
    },
  };
}

/** The gateway activities' type, for `proxyActivities` in the payment workflow. */
export type GatewayActivities = ReturnType<typeof createGatewayActivities>;
