// Webhook deliveries: operators list them (failed ones above all) and ask for a redelivery; a party may do the same
// for its own. Also the check of a webhook URL at registration. Never shows what a receiver answered, and never
// starts a second delivery of a notice while one is running.

import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
import { WebhookDeliveryStarter } from '../activities/webhooks';
import type { Config } from '../config';
import type { WebhookDelivery } from '../persistence/webhook-delivery-store';
import {
  InvalidDeliveryCursorError,
  findWebhookDelivery,
  listWebhookDeliveries,
} from '../persistence/webhook-delivery-store';
import { WebhookTargetRefused, assertWebhookUrlAllowed } from '../security/webhook-target';
import type { ApiDeps } from './api-deps';
import { ApiError, forbidden } from './api-error';
import { callerOf } from './auth';
import { mountRoute } from './route-registry';
import { listWebhookDeliveriesRoute, redeliverWebhookRoute } from './routes';
import { NOTICE_ID_PATTERN } from './schemas';

/**
 * Refuses a webhook URL settleflow must not call (see src/security/webhook-target.ts).
 * @throws ApiError 422 `webhook_url_refused` naming `param` (the URL is well formed; where it points is refused)
 */
export async function assertWebhookUrlAccepted(
  url: string,
  config: Pick<Config, 'webhook'>,
  param = 'webhookUrl',
): Promise<void> {
  try {
    await assertWebhookUrlAllowed(url, { allowPrivate: config.webhook.allowPrivate });
  } catch (error) {
    if (error instanceof WebhookTargetRefused) {
      throw new ApiError(422, 'invalid_request_error', error.code, `${param} refused: ${error.message}`, param);
    }
    throw error;
  }
}

function deliveryNotFound(noticeId: string): ApiError {
  return new ApiError(
    404,
    'not_found_error',
    'webhook_delivery_not_found',
    `no webhook delivery ${noticeId}`,
    'noticeId',
  );
}

function noticeIdOf(req: Request): string {
  const value: unknown = req.params.noticeId;
  return typeof value === 'string' ? value : '';
}

/** Webhook delivery routes; `authenticated` resolves the caller and `idempotent` guards POSTs. */
export function webhooksRouter(deps: ApiDeps, authenticated: RequestHandler, idempotent: RequestHandler): Router {
  const router = Router({ caseSensitive: true });
  const starter = new WebhookDeliveryStarter(deps.temporal, deps.config.temporal.taskQueue, deps.config.webhook.retry);

  const guards = { authenticated, idempotent };

  mountRoute(router, listWebhookDeliveriesRoute, guards, async (_req, res, { query }) => {
    const caller = callerOf(res);
    let recipientId = query.recipientId;
    if (caller.role !== 'operator') {
      if (recipientId !== undefined && recipientId !== caller.id) {
        throw forbidden('a party lists only its own webhook deliveries');
      }
      recipientId = caller.id;
    }
    try {
      const page = await listWebhookDeliveries(
        deps.db,
        { state: query.state, recipientId },
        { limit: query.limit, cursor: query.cursor },
      );
      res.json({ data: page.deliveries, nextCursor: page.nextCursor ?? null });
    } catch (error) {
      if (error instanceof InvalidDeliveryCursorError) {
        throw new ApiError(422, 'invalid_request_error', error.code, error.message, 'cursor');
      }
      throw error;
    }
  });

  mountRoute(router, redeliverWebhookRoute, guards, async (req, res) => {
    const noticeId = noticeIdOf(req);
    const caller = callerOf(res);
    const delivery = NOTICE_ID_PATTERN.test(noticeId) ? await findWebhookDelivery(deps.db, noticeId) : undefined;
    // Someone else's delivery is answered like a missing one: its notice id says nothing to a stranger.
    if (!delivery || (caller.role !== 'operator' && delivery.recipientId !== caller.id)) {
      throw deliveryNotFound(noticeId);
    }
    if (delivery.state === 'DELIVERED') {
      throw new ApiError(
        409,
        'conflict_error',
        'webhook_already_delivered',
        `the webhook of ${noticeId} was delivered; the notice is also in the inbox`,
        'noticeId',
      );
    }
    // PENDING: a delivery is running (the first one or a redelivery), and it is the answer to this request too.
    let answer: WebhookDelivery = delivery;
    if (delivery.state === 'FAILED') {
      const redelivery = delivery.redeliveries + 1;
      // Concurrent or repeated requests compute the same id, so only one redelivery starts.
      await starter.start([delivery], { redelivery, priorAttempts: delivery.attempts });
      answer = { ...delivery, state: 'PENDING', redeliveries: redelivery };
    }
    res.status(202).json(answer);
  });

  return router;
}
