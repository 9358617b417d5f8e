// The payment child workflow, on the gateway's task queue: runs one bank operation of one payment (authorize,
// capture, void or refund) through the gateway's activities and returns the payment's state, dispatching by the
// payment's method: `card` (ISO 8583 through the connector), `echeck` (an ISO 20022 direct debit that clears for
// ECHECK_CLEARING_MS: the child sleeps through it on a durable timer, then takes the bank's outcome) or `ecash` (a
// wallet at the gateway). Its id derives from the order and attempt (contracts/payment-contract.ts), so a repeated
// start finds the same payment. Deterministic: it imports only @temporalio/workflow, the domain and the contracts
// (the lint fence of src/workflows applies here).

import * as wf from '@temporalio/workflow';
import type { PaymentCommand, PaymentSummary } from '../../contracts/payment-contract';
import type { GatewayActivities } from '../activities';
import type { MethodActivities } from '../method-activities';

/**
 * Runs one bank operation; retried (same RRN or message id) with backoff for at most `timeoutMs`, after which the
 * child fails and the order workflow decides (an unknown payment needs an operator).
 */
export async function paymentWorkflow(command: PaymentCommand): Promise<PaymentSummary> {
  // An attempt lasts at most a third of the bound, so a gateway worker that dies mid-operation is retried in time.
  const options: wf.ActivityOptions = {
    startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(command.timeoutMs / 3))),
    scheduleToCloseTimeout: command.timeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  };
  const method = command.method ?? 'card';
  if (method === 'echeck') return echeckOperation(command, wf.proxyActivities<MethodActivities>(options));
  if (method === 'ecash') return ecashOperation(command, wf.proxyActivities<MethodActivities>(options));
  // Card micropayments (from this patch on): recorded for their aggregate instead of being sent one by one.
  if (wf.patched(MICROPAYMENTS_PATCH)) {
    const micro = await micropaymentOperation(command, wf.proxyActivities<MethodActivities>(options));
    if (micro) return micro;
  }
  const bank = wf.proxyActivities<GatewayActivities>(options);
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

/** The patch from which a card payment's child first asks whether it is a micropayment. */
export const MICROPAYMENTS_PATCH = 'micropayments-v1';

/**
 * A card micropayment's operation, or undefined for a card paid on its own: the authorization is recorded and handed
 * to its aggregator (the order proceeds); the capture waits for the aggregate's charge (asked again every second or
 * so, within the command's bound; a declined aggregate fails it for good); void and refund take it out of its
 * aggregate or refund its share.
 */
async function micropaymentOperation(
  command: PaymentCommand,
  bank: ReturnType<typeof wf.proxyActivities<MethodActivities>>,
): Promise<PaymentSummary | undefined> {
  if (command.command === 'authorize') {
    const aggregatorId = await bank.micropaymentAggregatorOf(command);
    return aggregatorId === null ? undefined : bank.recordMicropayment(command, aggregatorId);
  }
  if (!(await bank.isMicropayment(`payment-${command.orderId}-${command.attempt}`))) return undefined;
  if (command.command === 'capture') {
    const outcome = wf.proxyActivities<MethodActivities>({
      startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(command.timeoutMs / 3))),
      scheduleToCloseTimeout: command.timeoutMs,
      retry: { initialInterval: '500ms', backoffCoefficient: 1.5, maximumInterval: '5s' },
    });
    return outcome.micropaymentOutcome(`payment-${command.orderId}-${command.attempt}`);
  }
  return bank.reverseMicropayment(command);
}

/**
 * An electronic check: the direct debit, the clearing period on a timer, then the outcome (asked again every second
 * or so while the bank still clears, within the command's bound). Capture and void have nothing to do (an e-check is
 * taken whole when it clears); a refund is a credit transfer that clears the same way.
 */
async function echeckOperation(
  command: PaymentCommand,
  bank: ReturnType<typeof wf.proxyActivities<MethodActivities>>,
): Promise<PaymentSummary> {
  const outcome = wf.proxyActivities<MethodActivities>({
    startToCloseTimeout: Math.max(1_000, Math.min(60_000, Math.floor(command.timeoutMs / 3))),
    scheduleToCloseTimeout: command.timeoutMs,
    retry: { initialInterval: '500ms', backoffCoefficient: 1.5, maximumInterval: '5s' },
  });
  switch (command.command) {
    case 'authorize': {
      const submitted = await bank.submitEcheck(command);
      if (submitted.summary.status !== 'processing') return submitted.summary;
      await wf.sleep(submitted.clearingMs);
      return outcome.settleEcheck(submitted.summary.paymentId);
    }
    case 'refund': {
      const submitted = await bank.submitEcheckRefund(command);
      await wf.sleep(submitted.clearingMs);
      return outcome.settleEcheckRefund(command);
    }
    case 'capture':
    case 'void':
      return outcome.settleEcheck(`payment-${command.orderId}-${command.attempt}`);
  }
}

/** Electronic cash: paid at once from the wallet, refunded into it; capture and void have nothing to do. */
async function ecashOperation(
  command: PaymentCommand,
  bank: ReturnType<typeof wf.proxyActivities<MethodActivities>>,
): Promise<PaymentSummary> {
  switch (command.command) {
    case 'authorize':
      return bank.spendEcash(command);
    case 'refund':
      return bank.refundEcash(command);
    case 'capture':
    case 'void':
      throw wf.ApplicationFailure.nonRetryable(`an e-cash payment takes no ${command.command}`, 'PaymentMethodError');
  }
}
