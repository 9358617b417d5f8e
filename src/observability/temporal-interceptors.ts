// Temporal interceptors on the Node side: the client's (the API's, and the worker's own client that starts webhook
// deliveries) put the current request id into the headers of starts, Updates and signals; the activities' read it
// back, run the activity as part of that request (its log lines carry `requestId`), log one line per execution and
// count it in the worker's metrics. The workflow side lives in workflow-interceptors.ts (bundled with the workflows).
// Never copies anything but the id into a header.

import type {
  WorkflowClientInterceptor,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateWithStartInput,
} from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from './logger';
import type { GatewayActivityMetrics, WorkerMetrics } from './metrics';
import { codeLabel } from './metrics';
import { currentRequestId, runWithRequestId } from './request-context';
import { requestIdOf, withRequestId } from './request-id';

/**
 * The workflow interceptor modules every workflow bundle must include (`interceptors.workflowModules`, or
 * `workflowInterceptorModules` of bundleWorkflowCode for a prebuilt bundle: a prebuilt bundle ignores the former).
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [require.resolve('./workflow-interceptors')];

/** Adds the current request id (see request-context.ts) to every start, Update and signal the client sends. */
export class RequestIdClientInterceptor implements WorkflowClientInterceptor {
  /** Starts carry the id in the workflow's start headers. */
  startWithDetails(
    input: WorkflowStartInput,
    next: Parameters<NonNullable<WorkflowClientInterceptor['startWithDetails']>>[1],
  ) {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }

  /** Updates carry it in the Update's headers. */
  startUpdate(
    input: WorkflowStartUpdateInput,
    next: Parameters<NonNullable<WorkflowClientInterceptor['startUpdate']>>[1],
  ) {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }

  /** Update-with-start carries it in both. */
  startUpdateWithStart(
    input: WorkflowStartUpdateWithStartInput,
    next: Parameters<NonNullable<WorkflowClientInterceptor['startUpdateWithStart']>>[1],
  ) {
    const requestId = currentRequestId();
    return next({
      ...input,
      workflowStartHeaders: withRequestId(input.workflowStartHeaders, requestId),
      updateHeaders: withRequestId(input.updateHeaders, requestId),
    });
  }

  /** Signals carry it in the signal's headers. */
  signal(input: WorkflowSignalInput, next: Parameters<NonNullable<WorkflowClientInterceptor['signal']>>[1]) {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }

  /** Signal-with-start carries it in the start headers. */
  signalWithStart(
    input: WorkflowSignalWithStartInput,
    next: Parameters<NonNullable<WorkflowClientInterceptor['signalWithStart']>>[1],
  ) {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }
}

/** The gateway's activities that answer a payment operation: their method and operation. */
const GATEWAY_PAYMENT_ACTIVITIES: Readonly<Record<string, { method: string; operation: string }>> = {
  authorizePayment: { method: 'card', operation: 'authorize' },
  capturePayment: { method: 'card', operation: 'capture' },
  voidPayment: { method: 'card', operation: 'void' },
  refundPayment: { method: 'card', operation: 'refund' },
  submitEcheck: { method: 'echeck', operation: 'authorize' },
  settleEcheck: { method: 'echeck', operation: 'settle' },
  submitEcheckRefund: { method: 'echeck', operation: 'refund' },
  settleEcheckRefund: { method: 'echeck', operation: 'settle_refund' },
  spendEcash: { method: 'ecash', operation: 'authorize' },
  refundEcash: { method: 'ecash', operation: 'refund' },
  topUpWallet: { method: 'ecash', operation: 'top_up' },
  recordMicropayment: { method: 'micropayment', operation: 'authorize' },
  micropaymentOutcome: { method: 'micropayment', operation: 'settle' },
  reverseMicropayment: { method: 'micropayment', operation: 'reverse' },
  chargeMicropayments: { method: 'micropayment', operation: 'charge' },
};

/** A payment's status and decline code from a gateway activity's result (a summary, or one inside `summary`). */
function paymentStatusOf(result: object): { status: string; declineCode: string | undefined } | undefined {
  const inner =
    'summary' in result && typeof result.summary === 'object' && result.summary !== null ? result.summary : result;
  const { status, declineCode } = inner as { status?: unknown; declineCode?: unknown };
  if (typeof status !== 'string') return undefined;
  return { status, declineCode: typeof declineCode === 'string' ? declineCode : undefined };
}

/** What an activity's result says for the business counters (payments at the bank, webhook attempts). */
function countOutcome(metrics: WorkerMetrics | GatewayActivityMetrics, activity: string, result: unknown): void {
  if (typeof result !== 'object' || result === null) return;
  if ('gatewayPayments' in metrics) {
    const kind = GATEWAY_PAYMENT_ACTIVITIES[activity];
    const payment = kind ? paymentStatusOf(result) : undefined;
    if (kind && payment) {
      metrics.gatewayPayments.inc({
        ...kind,
        outcome: codeLabel(payment.status),
        decline_code: codeLabel(payment.declineCode),
      });
    }
    return;
  }
  if (activity === 'collectPayment') {
    const { status, declineCode } = result as { status?: unknown; declineCode?: unknown };
    if (typeof status !== 'string') return;
    const code = typeof declineCode === 'string' ? declineCode : undefined;
    metrics.bankPayments.inc({ outcome: codeLabel(status), decline_code: codeLabel(code) });
  } else if (activity === 'attemptWebhookDelivery') {
    const { delivered, retryable } = result as { delivered?: unknown; retryable?: unknown };
    metrics.webhookAttempts.inc({ outcome: delivered === true ? 'delivered' : retryable ? 'retry' : 'failed' });
  }
}

/**
 * Activity interceptors: each execution runs as part of the request named in its headers (so its log lines and the
 * SDK's `Context.current().log` carry `requestId`), is logged once (completed or failed, with its duration) and, with
 * `metrics`, counted.
 */
export function activityObservability(deps: {
  logger: Logger;
  metrics?: WorkerMetrics | GatewayActivityMetrics | undefined;
}): ActivityInterceptorsFactory {
  return (ctx) => {
    let requestId: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          requestId = requestIdOf(input.headers);
          const activity = ctx.info.activityType;
          const log = deps.logger.child({
            activity,
            workflowId: ctx.info.workflowExecution?.workflowId,
            attempt: ctx.info.attempt,
          });
          const startedAt = process.hrtime.bigint();
          const elapsed = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
          return runWithRequestId(requestId, async () => {
            try {
              const result = await next(input);
              const seconds = elapsed();
              deps.metrics?.activityDuration.observe({ activity, outcome: 'completed' }, seconds);
              if (deps.metrics) countOutcome(deps.metrics, activity, result);
              log.info({ durationMs: seconds * 1000 }, 'activity completed');
              return result;
            } catch (error) {
              const seconds = elapsed();
              deps.metrics?.activityDuration.observe({ activity, outcome: 'failed' }, seconds);
              log.warn({ durationMs: seconds * 1000, err: error }, 'activity failed');
              throw error;
            }
          });
        },
      },
      outbound: {
        getLogAttributes: (input, next) => next(requestId === undefined ? input : { requestId, ...input }),
      },
    };
  };
}

/** The interceptors of a Temporal client: the request id always, trace context when tracing is on. */
export function clientInterceptors(tracing?: { clientInterceptor: WorkflowClientInterceptor }): {
  workflow: WorkflowClientInterceptor[];
} {
  return { workflow: [new RequestIdClientInterceptor(), ...(tracing ? [tracing.clientInterceptor] : [])] };
}
