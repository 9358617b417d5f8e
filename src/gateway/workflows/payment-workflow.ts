// The payment child workflow, on the gateway's task queue: runs one bank operation of one payment (authorize,
// capture, void or refund) through the gateway's activities and returns the payment's state. Its id derives from the
// order and attempt (contracts/payment-contract.ts), so a repeated start finds the same payment. Deterministic: it
// imports only @temporalio/workflow, the domain and the contracts (the lint fence of src/workflows applies here).

import * as wf from '@temporalio/workflow';
import type { PaymentCommand, PaymentSummary } from '../../contracts/payment-contract';
import type { GatewayActivities } from '../activities';

/**
 * Runs one bank operation; retried (same RRN) with backoff for at most `timeoutMs`, after which the child fails and
 * the order workflow decides (an unknown payment needs an operator).
 */
export async function paymentWorkflow(command: PaymentCommand): Promise<PaymentSummary> {
  // An attempt lasts at most a third of the bound, so a gateway worker that dies mid-operation is retried in time.
  const bank = wf.proxyActivities<GatewayActivities>({
    startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(command.timeoutMs / 3))),
    scheduleToCloseTimeout: command.timeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  switch (command.command) {
    case 'authorize':
      return bank.authorizePayment(command);
    case 'capture':
      return bank.capturePayment(command);
    case 'void':
      return bank.voidPayment(command);
    case 'refund':
      return bank.refundPayment(command);
  }
}
