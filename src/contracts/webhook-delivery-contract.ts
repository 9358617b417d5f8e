// The webhook delivery workflow's public contract: its id scheme, input, result and retry schedule.
// Shared by the workflow, the activity that starts it and the API; free of I/O so workflow code can import it.

/** What became of a delivery: still being tried, received by the party, or given up. */
export const WEBHOOK_DELIVERY_STATES = ['PENDING', 'DELIVERED', 'FAILED'] as const;

/** One of {@link WEBHOOK_DELIVERY_STATES}. */
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** The workflow type name, for starters that do not import workflow code. */
export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'webhookDeliveryWorkflow';

/**
 * The workflow id of one delivery of a notice: `webhook-<noticeId>` for the first, `webhook-<noticeId>-r<n>` for the
 * n-th redelivery an operator or the party asked for. One id per delivery, so a retried start starts it once.
 */
export function webhookDeliveryWorkflowId(noticeId: string, redelivery = 0): string {
  return redelivery === 0 ? `webhook-${noticeId}` : `webhook-${noticeId}-r${redelivery}`;
}

/**
 * How long a delivery's first attempt waits for the receiver at most (the worker's own attempt, or the workflow's local
 * activity in older histories): either holds a slot that orders need too, so a slow or dead receiver may hold one for
 * this long only; the later attempts wait WEBHOOK_TIMEOUT_MS.
 */
export const FIRST_ATTEMPT_TIMEOUT_MS = 3_000;

/** When to try again: exponential backoff with full jitter, bounded by a horizon. */
export interface WebhookRetryPolicy {
  /** The cap of the first wait; each later cap doubles. */
  initialMs: number;
  /** No wait is longer than this. */
  maxIntervalMs: number;
  /** No attempt starts later than this after the delivery began; then the delivery is FAILED. */
  horizonMs: number;
  /** The bound of one attempt's HTTP request (connect, send, first line of the answer). */
  attemptTimeoutMs: number;
}

/** The delivery workflow's start argument. */
export interface WebhookDeliveryInput {
  noticeId: string;
  recipientId: string;
  /** 0 for the first delivery, n for the n-th redelivery. */
  redelivery: number;
  /** Attempts made by earlier deliveries of the same notice, so the record counts them all. */
  priorAttempts: number;
  retry: WebhookRetryPolicy;
  /**
   * Failed attempts of this delivery made before the workflow started (the worker's first attempt, outside any
   * workflow): the workflow waits its backoff first and numbers its attempts after them. Absent: none.
   */
  failedBefore?: number | undefined;
}

/** How one attempt ended. `error` is settleflow's own words (`HTTP 500`, `timeout`), never the receiver's. */
export type WebhookAttemptOutcome =
  { delivered: true; status: number } | { delivered: false; retryable: boolean; error: string };

/** The delivery workflow's result. */
export interface WebhookDeliveryResult {
  noticeId: string;
  state: Exclude<WebhookDeliveryState, 'PENDING'>;
  attempts: number;
  lastError?: string | undefined;
}

/**
 * The wait before the next attempt after `failedAttempts` failures: a uniformly random share (`random` in [0, 1)) of
 * min(maxIntervalMs, initialMs * 2^(failedAttempts - 1)) ("full jitter"), at least 1 ms. Deterministic given
 * `random`, so workflow code passes its seeded Math.random().
 */
export function webhookRetryDelayMs(policy: WebhookRetryPolicy, failedAttempts: number, random: number): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 52);
  const cap = Math.min(policy.maxIntervalMs, policy.initialMs * 2 ** exponent);
  return Math.max(1, Math.floor(random * cap));
}
