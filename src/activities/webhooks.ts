// Webhook delivery: signing in the Standard Webhooks scheme (headers webhook-id, webhook-timestamp and
// webhook-signature `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`, keyed by the party's `whsec_` secret), one
// POST to a checked and pinned address, the delivery workflow's activities, and starting that workflow.
// Never follows a redirect, never connects to an address it did not check, never reads the receiver's answer body.

import { createHmac } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type {
  WebhookAttemptOutcome,
  WebhookDeliveryInput,
  WebhookDeliveryState,
  WebhookRetryPolicy,
} from '../contracts/webhook-delivery-contract';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE, webhookDeliveryWorkflowId } from '../contracts/webhook-delivery-contract';
import type { NoticeDraft } from '../contracts/order-contract';
import type { Database } from '../persistence/database';
import { findNotice } from '../persistence/notice-store';
import { findWebhookTarget } from '../persistence/party-store';
import { recordWebhookDelivery } from '../persistence/webhook-delivery-store';
import type { KeyVault } from '../security/purpose-keys';
import type { WebhookDeliveries } from './webhook-dispatcher';
import type { HostResolver, WebhookTarget, WebhookTargetPolicy } from '../security/webhook-target';
import { WebhookTargetRefused, WebhookTargetUnresolved, resolveWebhookTarget } from '../security/webhook-target';

/** The three Standard Webhooks headers for one message. */
export function signWebhook(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const signature = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}

/**
 * What an answer's status means: 2xx delivered; 408, 429, 5xx and 3xx (redirects are not followed) worth another
 * try; any other 4xx final, since the receiver said the message itself is wrong.
 */
export function outcomeOfStatus(status: number): WebhookAttemptOutcome {
  if (status >= 200 && status < 300) return { delivered: true, status };
  if (status >= 300 && status < 400) {
    return { delivered: false, retryable: true, error: `HTTP ${status} (redirect not followed)` };
  }
  const final = status >= 400 && status < 500 && status !== 408 && status !== 429;
  return { delivered: false, retryable: !final, error: `HTTP ${status}` };
}

/** A network failure in settleflow's words: its error code only (never a message that could quote the peer). */
function networkFailure(error: unknown): WebhookAttemptOutcome {
  const code = (error as { code?: unknown }).code;
  const known = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code);
  return { delivered: false, retryable: true, error: known ? `connection failed (${code})` : 'connection failed' };
}

/**
 * POSTs one message to a checked target, connecting only to `target.address` (the host name still goes into the Host
 * header and TLS's server name, so certificates are verified against it). Redirects are not followed; the answer's
 * body is never read.
 * @returns the outcome; never throws for what the receiver or the network did
 */
export function postWebhook(
  target: WebhookTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<WebhookAttemptOutcome> {
  const transport = target.url.protocol === 'https:' ? https : http;
  const pinnedLookup = (
    _hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve) => {
    let settled = false;
    const request = transport.request(target.url, {
      method: 'POST',
      agent: false,
      lookup: pinnedLookup as never,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'settleflow-webhooks',
        ...headers,
      },
    });
    const finish = (outcome: WebhookAttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ delivered: false, retryable: true, error: `timeout after ${timeoutMs} ms` }),
      timeoutMs,
    );
    request.on('response', (response) => {
      response.on('error', () => undefined);
      response.destroy();
      finish(outcomeOfStatus(response.statusCode ?? 0));
    });
    request.on('error', (error) => finish(networkFailure(error)));
    request.end(body);
  });
}

/** What the delivery workflow's activities need. */
export interface WebhookActivityDeps {
  db: Database;
  vault: KeyVault;
  policy: WebhookTargetPolicy;
  /** The resolver; the system's by default. */
  resolve?: HostResolver;
  now?: () => Date;
}

/** One attempt as the delivery workflow asks for it. */
export interface WebhookAttemptInput {
  noticeId: string;
  recipientId: string;
  redelivery: number;
  /** This attempt's number over all deliveries of the notice. */
  attempts: number;
  timeoutMs: number;
}

function stateOf(outcome: WebhookAttemptOutcome): WebhookDeliveryState {
  if (outcome.delivered) return 'DELIVERED';
  return outcome.retryable ? 'PENDING' : 'FAILED';
}

/** How long a party's webhook (URL and secret) is remembered: it is set at registration and never changes. */
const WEBHOOK_TARGET_CACHE_MS = 60_000;

/** How many parties' webhooks are remembered before the oldest is forgotten. */
const WEBHOOK_TARGET_CACHE_ENTRIES = 1000;

/** The activities of the webhook delivery workflow. */
export function createWebhookActivities(deps: WebhookActivityDeps) {
  const now = deps.now ?? (() => new Date());
  // Every delivery to a party reads the same registration: remember found ones for a while (in memory only).
  const targets = new Map<string, { registered: { url: string; secret: string }; until: number }>();

  async function webhookOf(partyId: string): Promise<{ url: string; secret: string } | undefined> {
    const at = now().getTime();
    const known = targets.get(partyId);
    if (known && known.until > at) return known.registered;
    const registered = await findWebhookTarget(deps.db, deps.vault, partyId);
    targets.delete(partyId);
    if (registered) {
      if (targets.size >= WEBHOOK_TARGET_CACHE_ENTRIES) targets.delete(targets.keys().next().value as string);
      targets.set(partyId, { registered, until: at + WEBHOOK_TARGET_CACHE_MS });
    }
    return registered;
  }

  async function attempt(input: WebhookAttemptInput, known?: NoticeDraft): Promise<WebhookAttemptOutcome> {
    // A notice handed over by the activity that wrote it is not read back (the same fields, in the stored order).
    const draft =
      known?.noticeId === input.noticeId
        ? (({ noticeId, ...rest }: NoticeDraft) => ({ noticeId, ...rest }))(known)
        : await findNotice(deps.db, input.noticeId);
    const registered = draft && (await webhookOf(draft.recipientId));
    if (!draft || !registered) return { delivered: false, retryable: false, error: 'no webhook registered' };
    let target: WebhookTarget;
    try {
      target = await resolveWebhookTarget(registered.url, deps.policy, deps.resolve);
    } catch (error) {
      if (error instanceof WebhookTargetRefused) return { delivered: false, retryable: false, error: error.message };
      if (error instanceof WebhookTargetUnresolved) return { delivered: false, retryable: true, error: error.message };
      throw error;
    }
    const body = JSON.stringify({ type: draft.kind, data: draft });
    const headers = signWebhook(registered.secret, draft.noticeId, Math.floor(now().getTime() / 1000), body);
    return postWebhook(target, headers, body, input.timeoutMs);
  }

  return {
    /**
     * One delivery attempt: checks the recipient's URL again (its DNS may have changed), POSTs the signed notice to
     * the checked address, and records the outcome (`PENDING` while worth another try).
     */
    async attemptWebhookDelivery(input: WebhookAttemptInput, known?: NoticeDraft): Promise<WebhookAttemptOutcome> {
      const outcome = await attempt(input, known);
      await recordWebhookDelivery(deps.db, {
        noticeId: input.noticeId,
        recipientId: input.recipientId,
        redelivery: input.redelivery,
        attempts: input.attempts,
        state: stateOf(outcome),
        lastError: outcome.delivered ? undefined : outcome.error,
        at: now(),
      });
      return outcome;
    },

    /** Records a delivery's end the workflow decided on (the retry horizon passed after a failed attempt). */
    async recordWebhookDelivery(input: {
      noticeId: string;
      recipientId: string;
      redelivery: number;
      attempts: number;
      state: WebhookDeliveryState;
      lastError?: string | undefined;
    }): Promise<void> {
      await recordWebhookDelivery(deps.db, { ...input, at: now() });
    },
  };
}

/** The delivery workflow's activities' type, for `proxyActivities` in workflow code. */
export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/**
 * Starts delivery workflows, each at most once: the workflow id names the notice (and redelivery), and a start of an
 * id that exists or existed is a no-op, so a retried activity or a repeated request starts nothing new. Used alone
 * (without the worker's WebhookDispatcher), every delivery is a workflow from its first attempt.
 */
export class WebhookDeliveryStarter implements WebhookDeliveries {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly retry: WebhookRetryPolicy,
  ) {}

  /** Delivers new notices through a workflow each. */
  async dispatch(notices: readonly { noticeId: string; recipientId: string }[]): Promise<void> {
    await this.start(notices);
  }

  /**
   * Starts the delivery of each notice (or the given redelivery of one) unless it was started before.
   * @returns how many were started now
   */
  async start(
    notices: readonly { noticeId: string; recipientId: string }[],
    options: { redelivery?: number; priorAttempts?: number; failedBefore?: number } = {},
  ): Promise<number> {
    const started = await Promise.all(
      notices.map(async ({ noticeId, recipientId }) => {
        const input: WebhookDeliveryInput = {
          noticeId,
          recipientId,
          redelivery: options.redelivery ?? 0,
          priorAttempts: options.priorAttempts ?? 0,
          retry: this.retry,
          ...(options.failedBefore ? { failedBefore: options.failedBefore } : {}),
        };
        try {
          await this.client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
            workflowId: webhookDeliveryWorkflowId(noticeId, input.redelivery),
            taskQueue: this.taskQueue,
            args: [input],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
          return 1;
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) return 0;
          throw error;
        }
      }),
    );
    return started.reduce((sum: number, one) => sum + one, 0);
  }
}
