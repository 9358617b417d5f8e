// The Updates of the version-1 order workflow, FROZEN with it: same names as today's Updates, but each answers
// with the whole order, as version 1 did. Only the legacy workflow registers these; the API reads the answers'
// `orderId` and `version`, which both versions carry. Free of I/O: workflow code imports it.

import { defineUpdate } from '@temporalio/workflow';
import type { Actor, SealedCardPayment } from '../../contracts/order-contract';
import type { CarrierAnswer, OrderView, PaymentAttempt, ShipmentEventType, SupplierAnswer } from '../../domain/order';

/** Version 1's answer to a payment notification: the whole order and the attempt's fate. */
export interface PaymentNotificationResultV1 {
  order: OrderView;
  payment: PaymentAttempt;
}

/** Step 3 (v1): the supplier answers the order inquiry. */
export const supplierAnswerUpdate = defineUpdate<OrderView, [{ supplierId: string; answer: SupplierAnswer }]>(
  'supplierAnswer',
);

/** Step 5 (v1): a candidate carrier answers the transport inquiry. */
export const carrierAnswerUpdate = defineUpdate<OrderView, [{ carrierId: string; answer: CarrierAnswer }]>(
  'carrierAnswer',
);

/** Step 7 (v1): the chosen carrier reports a shipment event. */
export const shipmentEventUpdate = defineUpdate<OrderView, [{ carrierId: string; type: ShipmentEventType }]>(
  'shipmentEvent',
);

/** Step 7 (v1): the customer's payment notification to the gateway. */
export const paymentNotificationUpdate = defineUpdate<
  PaymentNotificationResultV1,
  [{ customerId: string; payment: SealedCardPayment }]
>('paymentNotification');

/** Step 9 (v1): the seller confirms (or disputes) the settlement. */
export const settlementConfirmationUpdate = defineUpdate<
  OrderView,
  [{ sellerId: string; confirmed: boolean; reason?: string | undefined }]
>('settlementConfirmation');

/** The customer, the seller or an operator cancels the order before pickup (v1). */
export const cancelOrderUpdate = defineUpdate<OrderView, [{ actor: Actor; reason?: string | undefined }]>(
  'cancelOrder',
);

/** An operator resolves a disputed settlement (v1). */
export const resolveDisputeUpdate = defineUpdate<
  OrderView,
  [{ operatorId: string; resolution: 'CLOSE' | 'REFUND'; note?: string | undefined }]
>('resolveDispute');
