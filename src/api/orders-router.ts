// Orders: a seller places one (which starts its workflow), parties list and read theirs.
// The API never writes an order document: the workflow is the single writer of its read model. Every order it
// answers with goes through `viewFor`, so a party never reads more of an order than its role may see.

import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { RequestHandler } from 'express';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { OrderWorkflowInput } from '../contracts/order-contract';
import { initialSearchAttributes, orderWorkflowId } from '../contracts/order-contract';
import type { PartyRole, PlaceOrderInput } from '../domain/order';
import { assertValidOrder, initialOrderView } from '../domain/order';
import { viewFor, viewsFor } from '../domain/order-views';
import type { OrderListFilter } from '../persistence/order-store';
import { findOrderView, listOrderViews } from '../persistence/order-store';
import type { Party, PartyAccount } from '../persistence/party-store';
import { findPartyAccount } from '../persistence/party-store';
import { cachedSettings, captureModeFor, effectiveSettings } from '../persistence/settings-store';
import type { ApiDeps } from './api-deps';
import { ApiError, forbidden, fromTemporalError } from './api-error';
import { PartyCache, callerOf } from './auth';
import { idempotencyFingerprintOf, idempotencyScopeOf } from './idempotency';
import type { PurposeKeys } from '../security/purpose-keys';
import { assertMayRead, loadOrder, orderIdOf } from './order-access';
import { mountRoute } from './route-registry';
import { getOrderRoute, listOrdersRoute, placeOrderRoute } from './routes';
import { withoutUndefined } from '../domain/objects';

/** The workflow type the worker registers for orders. */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

/** A new order id: `ord_`, the time in base 36 (so ids sort by creation), then 64 random bits. */
export function generateOrderId(
  now: Date,
  idempotencyScope?: string,
  keys?: Pick<PurposeKeys, 'digest'>,
  fingerprint?: string,
): string {
  // Under an Idempotency-Key the id follows from the key, so a retry after a lost answer (or a 5xx, whose record
  // is deleted) finds the order it already placed instead of placing a second one. It is derived under the key the
  // record's fingerprint names, so a retry after a rotation of the idempotency key derives the same id.
  if (idempotencyScope && keys) return `ord_${keys.digest(`order-id:${idempotencyScope}`, fingerprint).slice(0, 25)}`;
  return `ord_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

/**
 * The parties that new orders name, as recently looked up. Trusted for `API_KEY_CACHE_MS`, the bound on how late a
 * disable takes effect; the party routes of the same process forget a party whose status they change.
 */
export type PartyAccountCache = PartyCache<PartyAccount>;

/**
 * Checks that a party id names a registered party with the expected role that is not disabled.
 * @throws ApiError 422 `unknown_party` or `party_disabled` naming the field
 */
async function requireParty(
  deps: Pick<ApiDeps, 'db'>,
  known: PartyAccountCache,
  id: string,
  role: PartyRole,
  param: string,
): Promise<void> {
  // Every order names five parties: a recent lookup stands for as long as a disable may take to be seen.
  let party = known.get(id);
  if (!party) {
    party = await findPartyAccount(deps.db, id);
    if (party) known.set(id, party);
  }
  if (!party || party.role !== role) {
    throw new ApiError(422, 'invalid_request_error', 'unknown_party', `${id} is not a registered ${role}`, param);
  }
  if (party.disabled) {
    throw new ApiError(422, 'invalid_request_error', 'party_disabled', `${role} ${id} is disabled`, param);
  }
}

/** The filter field that restricts each role to its own orders; operators have none. */
const OWN_FILTER: Record<PartyRole, keyof OrderListFilter | undefined> = {
  seller: 'sellerId',
  customer: 'customerId',
  supplier: 'supplierId',
  carrier: 'carrierId',
  operator: undefined,
};

/**
 * Narrows a listing to the caller's own orders by forcing the filter of its role.
 * @throws ApiError 403 when the caller asked for another party's orders in its own role
 */
export function restrictToCaller(party: Party, filter: OrderListFilter): OrderListFilter {
  const own = OWN_FILTER[party.role];
  if (!own) return filter;
  const asked = filter[own];
  if (asked !== undefined && asked !== party.id) {
    throw forbidden(`as a ${party.role} you may list only your own orders (${own}=${party.id})`);
  }
  return { ...filter, [own]: party.id };
}

/**
 * Order routes; `authenticated` resolves the caller and `idempotent` guards POSTs. `knownParties` caches the parties
 * orders name (shared with the party routes, which clear a party they disable).
 */
export function ordersRouter(
  deps: ApiDeps,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
  knownParties: PartyAccountCache = new PartyCache<PartyAccount>(deps.config.apiKeyCacheMs),
): Router {
  const router = Router({ caseSensitive: true });

  const guards = { authenticated, idempotent };

  mountRoute(router, placeOrderRoute, guards, async (_req, res, { body }) => {
    const seller = callerOf(res);
    await Promise.all([
      requireParty(deps, knownParties, body.customerId, 'customer', 'customerId'),
      requireParty(deps, knownParties, body.supplierId, 'supplier', 'supplierId'),
      ...body.carrierIds.map((id, index) => requireParty(deps, knownParties, id, 'carrier', `carrierIds.${index}`)),
    ]);
    const placedAt = deps.now();
    // The operators' settings (console, PUT /v1/settings) over the configuration: deadlines, attempts, fee, capture.
    const stored = (await cachedSettings(deps.db)).settings;
    const settings = effectiveSettings(deps.config, stored, seller.id);
    const input: PlaceOrderInput = {
      orderId:
        body.orderId ??
        generateOrderId(
          placedAt,
          idempotencyScopeOf(res),
          deps.vault.keys('idempotency'),
          idempotencyFingerprintOf(res),
        ),
      sellerId: seller.id,
      customerId: body.customerId,
      supplierId: body.supplierId,
      carrierIds: body.carrierIds,
      items: body.items,
      shipTo: body.shipTo,
      deadlines: { ...settings.defaultDeadlines, ...withoutUndefined(body.deadlines ?? {}) },
      placedAt: placedAt.toISOString(),
    };
    assertValidOrder(input);
    // Temporal rejects a duplicate workflow id only while it keeps the old run; the read model keeps it for good.
    if (await findOrderView(deps.db, input.orderId)) {
      throw new ApiError(409, 'conflict_error', 'order_exists', `order ${input.orderId} already exists`, 'orderId');
    }
    const workflowInput: OrderWorkflowInput = {
      ...input,
      gatewayFee: settings.gatewayFee,
      paymentMaxAttempts: settings.paymentMaxAttempts,
      bankCallTimeoutMs: deps.config.bankCallTimeoutMs,
      // Every new order pays through the gateway worker and the bank host, captured as the seller's setting says.
      gatewayTaskQueue: deps.config.gateway.taskQueue,
      captureMode: captureModeFor(stored, seller.id),
      // Paid out by the cut-off's settlement batch (README, Settlement batches), unless configured per order.
      ...(deps.config.settlement.orderPayout === 'batch' ? { settlementWaitMs: deps.config.settlement.waitMs } : {}),
    };
    try {
      await deps.temporal.workflow.start(ORDER_WORKFLOW_TYPE, {
        workflowId: orderWorkflowId(input.orderId),
        taskQueue: deps.config.temporal.taskQueue,
        args: [workflowInput],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: initialSearchAttributes(input),
      });
    } catch (error) {
      throw fromTemporalError(error, input.orderId);
    }
    res
      .status(201)
      .location(`/v1/orders/${encodeURIComponent(input.orderId)}`)
      .json(viewFor(initialOrderView(input), seller));
  });

  mountRoute(router, listOrdersRoute, guards, async (_req, res, { query }) => {
    const { limit, cursor, ...filter } = query;
    const caller = callerOf(res);
    if (
      (filter.minTotal !== undefined || filter.maxTotal !== undefined) &&
      !['operator', 'seller', 'customer'].includes(caller.role)
    ) {
      throw forbidden(`a ${caller.role} does not see an order's total, so it cannot filter by it`);
    }
    const page = await listOrderViews(deps.db, restrictToCaller(caller, filter), { limit, cursor });
    res.json({ data: viewsFor(page.orders, caller), nextCursor: page.nextCursor ?? null });
  });

  mountRoute(router, getOrderRoute, guards, async (req, res) => {
    const order = await loadOrder(deps, orderIdOf(req));
    const caller = callerOf(res);
    assertMayRead(caller, order);
    res.json(viewFor(order, caller));
  });

  return router;
}
