// The parties' actions on an order, each a Temporal Update answered synchronously with the order's new state as the
// caller may see it. The API checks the caller's role; the workflow's validators are the authority on the party (403)
// and the order's step (409). Every Update has a deadline (504). Card data is sealed here and never leaves in clear.

import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { z } from 'zod';
import type { RequestHandler, Response } from 'express';
import type { UpdateDefinition } from '@temporalio/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { OrderActionResult } from '../contracts/order-contract';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  orderWorkflowId,
  paymentNotificationUpdate,
  resolveAttentionUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../contracts/order-contract';
import { customerPayment, viewFor } from '../domain/order-views';
import { codeLabel, observePartyAnswer } from '../observability/metrics';
import type { RoleOrderView } from '../domain/order-views';
import { findOrderView } from '../persistence/order-store';
import type { ApiDeps } from './api-deps';
import { ApiError, fromTemporalError, orderClosed, orderNotFound } from './api-error';
import { callerOf } from './auth';
import { declinedError, sealPayment } from './payment-methods';
import { acceptSignedNotification } from './signed-notification';
import { discardInstruction } from '../gateway/vault/payment-instructions';
import { idempotencyScopeOf } from './idempotency';
import { loadOrder, orderIdOf } from './order-access';
import { mountRoute } from './route-registry';
import {
  attentionResolutionRoute,
  cancelOrderRoute,
  carrierAnswerRoute,
  disputeResolutionRoute,
  paymentNotificationRoute,
  settlementConfirmationRoute,
  shipmentEventRoute,
  supplierAnswerRoute,
} from './routes';
import type { paymentNotificationBody } from './schemas';
import { ID_PATTERN } from './schemas';

type PaymentNotificationBody = z.output<typeof paymentNotificationBody>;

/** The Update id a request's Idempotency-Key gives it (the same for every retry), if it has one. */
function updateIdOf(res: Response): string | undefined {
  const scope = idempotencyScopeOf(res);
  return scope ? `idem-${createHash('sha256').update(scope, 'utf8').digest('hex')}` : undefined;
}

/**
 * Sends an Update to the order's workflow within `API_UPDATE_TIMEOUT_MS` and maps its failures (504 when it runs
 * out). With an Idempotency-Key the Update id is derived from it, so a retry after a lost answer or a 504 attaches
 * to the first Update instead of acting twice. Its latency is observed by update name and outcome (`ok` or the
 * answer's error code).
 */
async function updateOrder<Ret, Args extends [unknown, ...unknown[]]>(
  deps: Pick<ApiDeps, 'temporal' | 'config' | 'db' | 'metrics'>,
  res: Response,
  orderId: string,
  update: UpdateDefinition<Ret, Args>,
  ...args: Args
): Promise<Ret> {
  const updateId = updateIdOf(res);
  const handle = deps.temporal.workflow.getHandle(orderWorkflowId(orderId));
  const startedAt = process.hrtime.bigint();
  const observe = (outcome: string): void =>
    deps.metrics.updateDuration.observe(
      { update: update.name, outcome },
      Number(process.hrtime.bigint() - startedAt) / 1e9,
    );
  try {
    const result = await deps.temporal.connection.withDeadline(Date.now() + deps.config.apiUpdateTimeoutMs, () =>
      handle.executeUpdate(update, { args, updateId }),
    );
    observe('ok');
    return result;
  } catch (error) {
    let mapped = fromTemporalError(error, orderId);
    // Temporal may answer an Update on a completed workflow with a plain NOT_FOUND; the read model knows the order.
    if (mapped.code === 'order_not_found' && (await findOrderView(deps.db, orderId))) mapped = orderClosed(orderId);
    observe(mapped.code);
    throw mapped;
  }
}

/**
 * The order as the caller may see it, once an Update answered: the view the Update answered with (the workflow
 * computes it for the acting party once the read model holds it), or, from a workflow older than that answer, the
 * read model (which already holds at least the version the Update answered with).
 */
async function orderAfterUpdate(
  deps: Pick<ApiDeps, 'db' | 'temporal'>,
  res: Response,
  result: OrderActionResult,
  observe?: (order: Pick<RoleOrderView, 'timeline' | 'quotes'>) => void,
): Promise<RoleOrderView> {
  if (result.view) {
    observe?.(result.view);
    return result.view;
  }
  const order = (await findOrderView(deps.db, result.orderId)) ?? (await loadOrder(deps, result.orderId));
  observe?.(order);
  const { id, role } = callerOf(res);
  return viewFor(order, { id, role });
}

/**
 * Payment notifications per minute per customer and per order (memory store: per API process), so a card tester
 * cannot try numbers quickly. Past the limit: 429 `rate_limited` with `Retry-After`.
 */
function paymentRateLimit(pointsPerMinute: number) {
  const perCustomer = new RateLimiterMemory({ keyPrefix: 'pay-customer', points: pointsPerMinute, duration: 60 });
  const perOrder = new RateLimiterMemory({ keyPrefix: 'pay-order', points: pointsPerMinute, duration: 60 });
  return async (res: Response, customerId: string, orderId: string): Promise<void> => {
    try {
      await Promise.all([perCustomer.consume(customerId), perOrder.consume(orderId)]);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      res.set('Retry-After', String(seconds));
      throw new ApiError(
        429,
        'invalid_request_error',
        'rate_limited',
        `too many payment notifications; retry in ${seconds} s`,
      );
    }
  };
}

/** Action routes; `authenticated` resolves the caller and `idempotent` guards POSTs. */
export function orderActionsRouter(deps: ApiDeps, authenticated: RequestHandler, idempotent: RequestHandler): Router {
  const router = Router({ caseSensitive: true });
  const limitPayments = paymentRateLimit(deps.config.paymentRatePerMinute);
  // Who may act on which order is the workflow's to say: its Update validators check the party against the order
  // (403) before its step (409), so the API does not read the order first. It only turns away ids no order can have.
  const guards = { authenticated, idempotent };
  const actionOn = (orderId: string): void => {
    if (!ID_PATTERN.test(orderId)) throw orderNotFound(orderId);
  };

  // The notification's instrument as it travels on: a token of the gateway's vault (README, Payment notifications).
  const paymentOf = async (res: Response, customerId: string, orderId: string, body: PaymentNotificationBody) => {
    if ('dualSignature' in body) {
      const order = await findOrderView(deps.db, orderId);
      if (!order) throw orderNotFound(orderId);
      const windowSeconds = deps.config.paymentNotificationWindowSeconds;
      return acceptSignedNotification({ ...deps, windowSeconds }, customerId, order, body, updateIdOf(res));
    }
    if (!deps.config.allowPlainCard && body.method !== 'ecash') {
      throw new ApiError(
        422,
        'invalid_request_error',
        'signed_notification_required',
        'card and account data are taken only as a signed, encrypted payment instruction (ALLOW_PLAIN_CARD is off)',
        body.method === 'echeck' ? 'echeck' : 'card',
      );
    }
    return sealPayment(deps, customerId, body);
  };

  mountRoute(router, supplierAnswerRoute, guards, async (req, res, { body: answer }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const supplierId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, supplierAnswerUpdate, { supplierId, answer });
    res.json(
      await orderAfterUpdate(deps, res, result, (order) =>
        observePartyAnswer(deps.metrics, order, { role: 'supplier' }),
      ),
    );
  });

  mountRoute(router, carrierAnswerRoute, guards, async (req, res, { body: answer }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const carrierId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, carrierAnswerUpdate, { carrierId, answer });
    res.json(
      await orderAfterUpdate(deps, res, result, (order) =>
        observePartyAnswer(deps.metrics, order, { role: 'carrier', carrierId }),
      ),
    );
  });

  mountRoute(router, shipmentEventRoute, guards, async (req, res, { body: { type } }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const carrierId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, shipmentEventUpdate, { carrierId, type });
    res.json(await orderAfterUpdate(deps, res, result));
  });

  mountRoute(router, paymentNotificationRoute, guards, async (req, res, { body }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const customerId = callerOf(res).id;
    await limitPayments(res, customerId, orderId);
    const payment = await paymentOf(res, customerId, orderId, body);
    const result = await updateOrder(deps, res, orderId, paymentNotificationUpdate, { customerId, payment }).catch(
      async (error: unknown) => {
        // Refused by the workflow (403, 409, ...): the payment never started, so the deposited instruction goes. After
        // a 504 the Update may still run and keeps it.
        if (error instanceof ApiError && error.status < 500) await discardInstruction(deps.db, payment.sealedCard);
        throw error;
      },
    );
    deps.metrics.payments.inc({
      method: result.payment.method,
      outcome: result.payment.status,
      decline_code: codeLabel(result.payment.declineCode),
    });
    const order = await orderAfterUpdate(deps, res, result);
    const answer = { order, payment: customerPayment(result.payment) };
    if (result.payment.status === 'CAPTURED' || result.payment.status === 'AUTHORIZED') {
      res.json(answer);
      return;
    }
    if (result.payment.status === 'UNKNOWN') {
      // The bank did not answer in time: an operator finds out (nothing is guessed); the customer must not pay again.
      res.status(202).json(answer);
      return;
    }
    // Only `card_declined` for a card: the bank's precise reason would tell a card tester which numbers are live.
    res.status(402).json({ error: declinedError(payment.method), ...answer });
  });

  mountRoute(router, settlementConfirmationRoute, guards, async (req, res, { body: { confirmed, reason } }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const sellerId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, settlementConfirmationUpdate, { sellerId, confirmed, reason });
    res.json(await orderAfterUpdate(deps, res, result));
  });

  mountRoute(router, cancelOrderRoute, guards, async (req, res, { body: { reason } }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const { id: partyId, role } = callerOf(res);
    const result = await updateOrder(deps, res, orderId, cancelOrderUpdate, { actor: { partyId, role }, reason });
    res.json(await orderAfterUpdate(deps, res, result));
  });

  mountRoute(router, disputeResolutionRoute, guards, async (req, res, { body: { resolution, note } }) => {
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const operatorId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, resolveDisputeUpdate, { operatorId, resolution, note });
    res.json(await orderAfterUpdate(deps, res, result));
  });

  mountRoute(router, attentionResolutionRoute, guards, async (req, res, { body }) => {
    const { action, note } = body;
    const extendMs = body.action === 'EXTEND' ? body.extendMs : undefined;
    const orderId = orderIdOf(req);
    actionOn(orderId);
    const operatorId = callerOf(res).id;
    const result = await updateOrder(deps, res, orderId, resolveAttentionUpdate, {
      operatorId,
      action,
      note,
      extendMs,
    });
    res.json(await orderAfterUpdate(deps, res, result));
  });

  return router;
}
