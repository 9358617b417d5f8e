// The order workflow's public contract: its id scheme, input, Updates, query and search attributes.
// Shared by the workflow, the worker, the API and the bots; must stay free of I/O so workflow code can import it.

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AttentionAction,
  CarrierAnswer,
  OrderView,
  PartyRole,
  PaymentAttempt,
  PlaceOrderInput,
  ShipmentEventType,
  SupplierAnswer,
} from '../domain/order';
import { orderTotal } from '../domain/order';
import type { PaymentMethod } from './payment-contract';
import type { RoleOrderView } from '../domain/order-views';

/** The workflow id of an order: one workflow per order, derived from the order id. */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/** The workflow's start argument. */
export interface OrderWorkflowInput extends PlaceOrderInput {
  /** The gateway's fee on captures, in basis points and fixed minor units (from configuration). */
  gatewayFee: { bps: number; fixedMinor: number };
  /** Payment notifications the order takes before it is cancelled as `PAYMENT_FAILED` (5 when absent). */
  paymentMaxAttempts?: number | undefined;
  /** How long one money activity may take, retries included, before the order needs attention (5 min when absent). */
  bankCallTimeoutMs?: number | undefined;
  /** The gateway worker's task queue, where the payment child workflows run (`settleflow-gateway` when absent). */
  gatewayTaskQueue?: string | undefined;
  /** The seller's capture setting: at delivery (the default) or at once. */
  captureMode?: 'at_delivery' | 'immediate' | undefined;
  /**
   * Present: the seller is paid out by the cut-off's settlement batch (SETTLEMENT_ORDER_PAYOUT=batch), and step 8
   * waits at most this long for the batch's signal before the order needs attention (`SETTLEMENT_OVERDUE`).
   * Absent: the order pays the seller out by itself (before settlement batches).
   */
  settlementWaitMs?: number | undefined;
}

/**
 * A payment instrument as it travels through Temporal: a token of the gateway's vault (`pm_...`), whose instruction
 * the API deposited encrypted to the gateway's key, so no card, CVC or IBAN reaches workflow history, even sealed.
 * Histories recorded before tokens hold the instrument sealed under the card vault's key instead.
 */
export interface SealedCardPayment {
  method: PaymentMethod;
  /** The instrument's reference: a vault token `pm_...` (before tokens: a sealed value); only the gateway opens it. */
  sealedCard: string;
  brand: string;
  last4: string;
}

/** The acting party as the API authenticated it. */
export interface Actor {
  partyId: string;
  role: PartyRole;
}

/**
 * What every Update answers: the order and the version the read model holds at least once the answer arrives
 * (read-your-writes). Small on purpose, so each action adds a bounded amount to the workflow's history; callers
 * read the order itself from the read model.
 */
export interface OrderActionResult {
  orderId: string;
  version: number;
  /**
   * The order as the acting party may see it (order-views' viewFor) once the read model holds `version`; absent
   * from the answers of workflows started before it was added, whose callers read the read model instead.
   */
  view?: RoleOrderView;
}

/** The result of a payment notification: the order's version after it and the attempt's fate. */
export interface PaymentNotificationResult extends OrderActionResult {
  payment: PaymentAttempt;
}

/** Step 3: the supplier answers the order inquiry. */
export const supplierAnswerUpdate = defineUpdate<OrderActionResult, [{ supplierId: string; answer: SupplierAnswer }]>(
  'supplierAnswer',
);

/** Step 5: a candidate carrier answers the transport inquiry. */
export const carrierAnswerUpdate = defineUpdate<OrderActionResult, [{ carrierId: string; answer: CarrierAnswer }]>(
  'carrierAnswer',
);

/** Step 7: the chosen carrier reports a shipment event. */
export const shipmentEventUpdate = defineUpdate<OrderActionResult, [{ carrierId: string; type: ShipmentEventType }]>(
  'shipmentEvent',
);

/** Step 7: the customer's payment notification to the gateway; resolves once the bank has answered. */
export const paymentNotificationUpdate = defineUpdate<
  PaymentNotificationResult,
  [{ customerId: string; payment: SealedCardPayment }]
>('paymentNotification');

/** Step 9: the seller confirms (or disputes) the transfer notice and settlement note. */
export const settlementConfirmationUpdate = defineUpdate<
  OrderActionResult,
  [{ sellerId: string; confirmed: boolean; reason?: string | undefined }]
>('settlementConfirmation');

/** The customer, the seller or an operator cancels the order before pickup. */
export const cancelOrderUpdate = defineUpdate<OrderActionResult, [{ actor: Actor; reason?: string | undefined }]>(
  'cancelOrder',
);

/** An operator resolves a disputed settlement: close the deal as it is, or refund the customer. */
export const resolveDisputeUpdate = defineUpdate<
  OrderActionResult,
  [{ operatorId: string; resolution: 'CLOSE' | 'REFUND'; note?: string | undefined }]
>('resolveDispute');

/**
 * An operator acts on an order in `NEEDS_ATTENTION`: RETRY re-runs the bank call whose outcome is unknown (same
 * reference, so it moves money at most once), CANCEL refunds or voids what was taken and cancels the order as
 * `CANCELLED_BY_OPERATOR`, EXTEND gives an overdue delivery or dispute `extendMs` more.
 */
export const resolveAttentionUpdate = defineUpdate<
  OrderActionResult,
  [{ operatorId: string; action: AttentionAction; note?: string | undefined; extendMs?: number | undefined }]
>('resolveAttention');

/** The order as the workflow holds it now. */
export const orderStatusQuery = defineQuery<OrderView>('status');

/** Search attributes operators filter on in Temporal UI; kept current by the workflow. */
export const orderSearchAttributes = {
  status: defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD),
  sellerId: defineSearchAttributeKey('SellerId', SearchAttributeType.KEYWORD),
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  supplierId: defineSearchAttributeKey('SupplierId', SearchAttributeType.KEYWORD),
  carrierId: defineSearchAttributeKey('CarrierId', SearchAttributeType.KEYWORD),
  total: defineSearchAttributeKey('OrderTotal', SearchAttributeType.INT),
};

/** The search attributes an order's workflow starts with; the workflow keeps status and carrier current. */
export function initialSearchAttributes(input: PlaceOrderInput) {
  return [
    { key: orderSearchAttributes.status, value: 'PLACED' },
    { key: orderSearchAttributes.sellerId, value: input.sellerId },
    { key: orderSearchAttributes.customerId, value: input.customerId },
    { key: orderSearchAttributes.supplierId, value: input.supplierId },
    { key: orderSearchAttributes.total, value: orderTotal(input.items).amount },
  ];
}

/** What a notice tells its recipient; inquiries ask for an answer, notices inform. */
export type NoticeKind =
  | 'SUPPLIER_INQUIRY'
  | 'TRANSPORT_INQUIRY'
  | 'QUOTE_NOT_SELECTED'
  | 'ORDER_CONFIRMATION'
  | 'DELIVERY_NOTICE'
  | 'TRANSPORT_NOTICE'
  | 'PAYMENT_RECEIPT'
  | 'TRANSFER_NOTICE'
  | 'SETTLEMENT_NOTE'
  | 'SETTLEMENT_DISPUTED'
  | 'PAYOUT_REJECTED'
  | 'RESERVATION_RELEASE'
  | 'TRANSPORT_CANCELLATION'
  | 'ORDER_CANCELLED'
  | 'ATTENTION_NEEDED'
  | 'DEAL_CLOSED';

/** A message to one party about one order, written to its inbox and pushed to its webhook. */
export interface NoticeDraft {
  /** Deterministic (`<orderId>:<kind>:<recipientId>`), so a retried activity never sends it twice. */
  noticeId: string;
  kind: NoticeKind;
  orderId: string;
  recipientId: string;
  /** True for inquiries the recipient must answer. */
  actionRequired: boolean;
  at: string;
  payload: Record<string, unknown>;
  /**
   * Transfer notices and settlement notes: the gateway's compact JWS (ES256, `kid` in its header) over the notice's
   * canonical payload (src/security/notice-signing.ts), added by the activity that stores the notice.
   */
  signature?: string | undefined;
}

/**
 * Builds a notice with its deterministic id; `occurrence` tells apart notices of a kind an order can send its
 * recipient more than once (the second attention, say).
 */
export function notice(
  kind: NoticeKind,
  orderId: string,
  recipientId: string,
  at: string,
  payload: Record<string, unknown> = {},
  occurrence?: number,
): NoticeDraft {
  const actionRequired = kind === 'SUPPLIER_INQUIRY' || kind === 'TRANSPORT_INQUIRY';
  const noticeId = `${orderId}:${kind}:${recipientId}${occurrence === undefined ? '' : `:${occurrence}`}`;
  return { noticeId, kind, orderId, recipientId, actionRequired, at, payload };
}

/**
 * One write of an order's read model by its workflow: the whole view, or only the top-level fields that changed
 * since the previous write (the workflow writes one version at a time, in order), which keeps activity inputs and
 * so the workflow's history small.
 */
export type OrderViewWrite =
  | { kind: 'FULL'; view: OrderView }
  | { kind: 'CHANGES'; orderId: string; version: number; changes: Partial<OrderView> };
