// The parties' actions on an order, each a Temporal Update answered synchronously with the order's new state.
// The API checks the caller's role; the workflow's validators are the authority on the party (403) and the
// order's step (409). Card data is sealed here and never leaves in clear.

import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { RequestHandler, Response } from 'express';
import type { UpdateDefinition } from '@temporalio/common';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  orderWorkflowId,
  paymentNotificationUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../contracts/order-contract';
import type { ApiDeps } from './api-deps';
import { fromTemporalError, orderNotFound } from './api-error';
import { callerOf, requireRole } from './auth';
import { sealCard } from './card';
import { idempotencyScopeOf } from './idempotency';
import { orderIdOf } from './order-access';
import {
  ID_PATTERN,
  cancelBody,
  carrierAnswerBody,
  disputeResolutionBody,
  parseRequest,
  paymentNotificationBody,
  settlementConfirmationBody,
  shipmentEventBody,
  supplierAnswerBody,
} from './schemas';

/**
 * Sends an Update to the order's workflow and maps its failures. With an Idempotency-Key the Update id is derived
 * from it, so a retry after a lost answer attaches to the first Update instead of acting twice.
 */
async function updateOrder<Ret, Args extends [unknown, ...unknown[]]>(
  deps: Pick<ApiDeps, 'temporal'>,
  res: Response,
  orderId: string,
  update: UpdateDefinition<Ret, Args>,
  ...args: Args
): Promise<Ret> {
  const scope = idempotencyScopeOf(res);
  const updateId = scope ? `idem-${createHash('sha256').update(scope, 'utf8').digest('hex')}` : undefined;
  try {
    return await deps.temporal.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(update, { args, updateId });
  } catch (error) {
    throw fromTemporalError(error, orderId);
  }
}

/** Action routes; `authenticated` resolves the caller and `idempotent` guards POSTs. */
export function orderActionsRouter(deps: ApiDeps, authenticated: RequestHandler, idempotent: RequestHandler): Router {
  const router = Router();
  // Who may act on which order is the workflow's to say: its Update validators check the party against the order
  // (403) before its step (409), so the API does not read the order first. It only turns away ids no order can have.
  const actionOn = (orderId: string): void => {
    if (!ID_PATTERN.test(orderId)) throw orderNotFound(orderId);
  };

  router.post(
    '/v1/orders/:orderId/supplier-answer',
    authenticated,
    requireRole('supplier'),
    idempotent,
    async (req, res) => {
      const answer = parseRequest(supplierAnswerBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const supplierId = callerOf(res).id;
      res.json(await updateOrder(deps, res, orderId, supplierAnswerUpdate, { supplierId, answer }));
    },
  );

  router.post(
    '/v1/orders/:orderId/carrier-answer',
    authenticated,
    requireRole('carrier'),
    idempotent,
    async (req, res) => {
      const answer = parseRequest(carrierAnswerBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const carrierId = callerOf(res).id;
      res.json(await updateOrder(deps, res, orderId, carrierAnswerUpdate, { carrierId, answer }));
    },
  );

  router.post(
    '/v1/orders/:orderId/shipment-events',
    authenticated,
    requireRole('carrier'),
    idempotent,
    async (req, res) => {
      const { type } = parseRequest(shipmentEventBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const carrierId = callerOf(res).id;
      res.json(await updateOrder(deps, res, orderId, shipmentEventUpdate, { carrierId, type }));
    },
  );

  router.post(
    '/v1/orders/:orderId/payment-notification',
    authenticated,
    requireRole('customer'),
    idempotent,
    async (req, res) => {
      const { card } = parseRequest(paymentNotificationBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const payment = sealCard(deps.vault, card);
      const customerId = callerOf(res).id;
      const result = await updateOrder(deps, res, orderId, paymentNotificationUpdate, { customerId, payment });
      if (result.payment.status === 'CAPTURED') {
        res.json(result);
        return;
      }
      const code = result.payment.declineCode ?? 'card_declined';
      res.status(402).json({
        error: { type: 'card_error', code, message: `the card was declined (${code})`, param: 'card' },
        order: result.order,
        payment: result.payment,
      });
    },
  );

  router.post(
    '/v1/orders/:orderId/settlement-confirmation',
    authenticated,
    requireRole('seller'),
    idempotent,
    async (req, res) => {
      const { confirmed, reason } = parseRequest(settlementConfirmationBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const sellerId = callerOf(res).id;
      res.json(await updateOrder(deps, res, orderId, settlementConfirmationUpdate, { sellerId, confirmed, reason }));
    },
  );

  router.post(
    '/v1/orders/:orderId/cancel',
    authenticated,
    requireRole('customer', 'seller', 'operator'),
    idempotent,
    async (req, res) => {
      const { reason } = parseRequest(cancelBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const { id: partyId, role } = callerOf(res);
      res.json(await updateOrder(deps, res, orderId, cancelOrderUpdate, { actor: { partyId, role }, reason }));
    },
  );

  router.post(
    '/v1/orders/:orderId/dispute-resolution',
    authenticated,
    requireRole('operator'),
    idempotent,
    async (req, res) => {
      const { resolution, note } = parseRequest(disputeResolutionBody, req.body);
      const orderId = orderIdOf(req);
      actionOn(orderId);
      const operatorId = callerOf(res).id;
      res.json(await updateOrder(deps, res, orderId, resolveDisputeUpdate, { operatorId, resolution, note }));
    },
  );

  return router;
}
