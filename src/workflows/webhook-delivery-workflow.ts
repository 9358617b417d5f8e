// One webhook delivery of one notice, as a workflow of its own beside the order's, so a dead endpoint never holds an
// order up: attempts with exponential backoff and full jitter until the receiver takes it, says the message is wrong
// (a 4xx other than 408/429), its address is refused, or the retry horizon passes.
// Deterministic: no clocks but the workflow's, Math.random is the workflow's seeded one, no I/O but activities.

import * as wf from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';
import type {
  WebhookAttemptOutcome,
  WebhookDeliveryInput,
  WebhookDeliveryResult,
} from '../contracts/webhook-delivery-contract';
import { FIRST_ATTEMPT_TIMEOUT_MS, webhookRetryDelayMs } from '../contracts/webhook-delivery-contract';

/** Time an attempt may take beyond its HTTP timeout: the DNS lookup and the record's write. */
const ATTEMPT_OVERHEAD_MS = 15_000;

/** The record's last write when the workflow gives up: a few tries, then the workflow fails (still bounded). */
const { recordWebhookDelivery } = wf.proxyActivities<WebhookActivities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * From this patch on, the first attempt runs as a local activity: a delivery the receiver takes at once costs one
 * workflow task instead of two and an activity task (measured in bench/README.md). Later attempts stay activities.
 */
export const WEBHOOK_FIRST_ATTEMPT_LOCAL_PATCH = 'webhook-first-attempt-local';

/** What the first (local) attempt may take beyond FIRST_ATTEMPT_TIMEOUT_MS: the DNS lookup and the record's write. */
const FIRST_ATTEMPT_OVERHEAD_MS = 5_000;

/** Says why an attempt's activity itself failed, in settleflow's words. */
function activityFailure(error: unknown): WebhookAttemptOutcome {
  if (error instanceof wf.ActivityFailure && error.cause instanceof wf.TimeoutFailure) {
    return { delivered: false, retryable: true, error: 'timeout (attempt did not finish)' };
  }
  return { delivered: false, retryable: true, error: 'attempt failed in the worker' };
}

/**
 * Delivers one notice to its recipient's webhook.
 * @returns `DELIVERED`, or `FAILED` with the last error once it gave up
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  // Each attempt is one try: the backoff below is the only retry, so its schedule is the one documented.
  const { attemptWebhookDelivery } = wf.proxyActivities<WebhookActivities>({
    startToCloseTimeout: input.retry.attemptTimeoutMs + ATTEMPT_OVERHEAD_MS,
    retry: { maximumAttempts: 1 },
  });
  const firstTimeoutMs = Math.min(input.retry.attemptTimeoutMs, FIRST_ATTEMPT_TIMEOUT_MS);
  const { attemptWebhookDelivery: attemptLocally } = wf.proxyLocalActivities<WebhookActivities>({
    startToCloseTimeout: firstTimeoutMs + FIRST_ATTEMPT_OVERHEAD_MS,
    retry: { maximumAttempts: 1 },
  });
  const giveUpAt = Date.now() + input.retry.horizonMs;
  const base = { noticeId: input.noticeId, recipientId: input.recipientId, redelivery: input.redelivery };
  // The worker's own first attempt failed before this workflow started: wait the backoff that follows it first.
  // (Inputs without `failedBefore`, every history recorded before it existed, make no command here.)
  const failedBefore = input.failedBefore ?? 0;
  if (failedBefore > 0) await wf.sleep(webhookRetryDelayMs(input.retry, failedBefore, Math.random()));

  for (let failed = failedBefore; ;) {
    const attempts = input.priorAttempts + failed + 1;
    let outcome: WebhookAttemptOutcome;
    try {
      outcome =
        failed === 0 && wf.patched(WEBHOOK_FIRST_ATTEMPT_LOCAL_PATCH)
          ? await attemptLocally({ ...base, attempts, timeoutMs: firstTimeoutMs })
          : await attemptWebhookDelivery({ ...base, attempts, timeoutMs: input.retry.attemptTimeoutMs });
    } catch (error) {
      outcome = activityFailure(error);
    }
    if (outcome.delivered) return { noticeId: input.noticeId, state: 'DELIVERED', attempts };
    failed += 1;
    // A final failure was recorded FAILED by the attempt itself.
    if (!outcome.retryable) return { noticeId: input.noticeId, state: 'FAILED', attempts, lastError: outcome.error };
    const delayMs = webhookRetryDelayMs(input.retry, failed, Math.random());
    if (Date.now() + delayMs > giveUpAt) {
      await recordWebhookDelivery({ ...base, attempts, state: 'FAILED', lastError: outcome.error });
      return { noticeId: input.noticeId, state: 'FAILED', attempts, lastError: outcome.error };
    }
    await wf.sleep(delayMs);
  }
}
