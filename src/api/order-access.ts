// Finding an order and deciding who may see or touch it. The read model answers first; an order whose first
// read-model write has not landed yet is asked for directly (the workflow's status query).

import { WorkflowNotFoundError } from '@temporalio/common';
import type { Request } from 'express';
import { orderStatusQuery, orderWorkflowId } from '../contracts/order-contract';
import type { OrderView } from '../domain/order';
import type { Party } from '../persistence/party-store';
import { findOrderView } from '../persistence/order-store';
import type { ApiDeps } from './api-deps';
import { forbidden, fromTemporalError, orderNotFound } from './api-error';
import { ID_PATTERN } from './schemas';

/** The `:orderId` path parameter of the current route. */
export function orderIdOf(req: Request): string {
  const value: unknown = req.params.orderId;
  return typeof value === 'string' ? value : '';
}

/**
 * The order as the read model (or, before its first write, the workflow) has it.
 * @throws ApiError 404 `order_not_found` when no such order exists or the id could not name one
 */
export async function loadOrder(deps: Pick<ApiDeps, 'db' | 'temporal'>, orderId: string): Promise<OrderView> {
  if (!ID_PATTERN.test(orderId)) throw orderNotFound(orderId);
  const view = await findOrderView(deps.db, orderId);
  if (view) return view;
  try {
    return await deps.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(orderStatusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw orderNotFound(orderId);
    throw fromTemporalError(error, orderId);
  }
}

/** Whether the party is named on the order: its seller, customer, supplier or one of its candidate carriers. */
export function isPartyOnOrder(party: Party, order: OrderView): boolean {
  switch (party.role) {
    case 'seller':
      return order.sellerId === party.id;
    case 'customer':
      return order.customerId === party.id;
    case 'supplier':
      return order.supplierId === party.id;
    case 'carrier':
      return order.carrierIds.includes(party.id);
    case 'operator':
      return false;
  }
}

/**
 * Admits operators and the order's own parties.
 * @throws ApiError 403 otherwise
 */
export function assertMayRead(party: Party, order: OrderView): void {
  if (party.role !== 'operator' && !isPartyOnOrder(party, order)) {
    throw forbidden(`order ${order.orderId} is not one of yours`);
  }
}
