// The order's data model and its lifecycle rules, as pure functions over plain data.
// Deterministic: no clocks, no randomness, no I/O; callers pass the time in. Used by workflows and the API.

import { DomainError } from './errors';
import type { Money } from './money';
import { addMoney, money, multiplyMoney } from './money';

/**
 * Every status an order can be in; `CLOSED` and `CANCELLED` are terminal. `NEEDS_ATTENTION` means the order waits
 * for an operator (see {@link OrderAttention}): a bank call whose outcome is unknown, an overdue delivery or dispute.
 */
export type OrderStatus =
  | 'PLACED'
  | 'AWAITING_SUPPLIER'
  | 'AWAITING_CARRIER'
  | 'CONFIRMED'
  | 'IN_DELIVERY'
  | 'AWAITING_SELLER_CONFIRMATION'
  | 'DISPUTED'
  | 'NEEDS_ATTENTION'
  | 'CLOSED'
  | 'CANCELLED';

/** All statuses, in lifecycle order. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'PLACED',
  'AWAITING_SUPPLIER',
  'AWAITING_CARRIER',
  'CONFIRMED',
  'IN_DELIVERY',
  'AWAITING_SELLER_CONFIRMATION',
  'DISPUTED',
  'NEEDS_ATTENTION',
  'CLOSED',
  'CANCELLED',
];

/** The roles a party can hold; one party has exactly one. */
export type PartyRole = 'seller' | 'customer' | 'supplier' | 'carrier' | 'operator';

/** All party roles. */
export const PARTY_ROLES: readonly PartyRole[] = ['seller', 'customer', 'supplier', 'carrier', 'operator'];

/** Why an order was cancelled; stable codes for reports and clients. */
export type CancellationReason =
  | 'SUPPLIER_UNAVAILABLE'
  | 'SUPPLIER_DEADLINE_PASSED'
  | 'NO_CARRIER'
  | 'PAYMENT_DEADLINE_PASSED'
  | 'PAYMENT_FAILED'
  | 'CANCELLED_BY_CUSTOMER'
  | 'CANCELLED_BY_SELLER'
  | 'CANCELLED_BY_OPERATOR'
  | 'DISPUTE_REFUNDED';

/** The saga's undo steps, recorded on the order as they run. */
export type CompensationType = 'RESERVATION_RELEASED' | 'TRANSPORT_CANCELLED' | 'PAYMENT_VOIDED' | 'PAYMENT_REFUNDED';

/** One line of the customer's order. */
export interface OrderItem {
  sku: string;
  description: string;
  quantity: number;
  /** Price of one unit, integer minor units. */
  unitPrice: Money;
}

/** Delivery address. */
export interface ShipTo {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** How long the order waits for each party; all in milliseconds. */
export interface OrderDeadlines {
  supplierAnswerMs: number;
  carrierAnswerMs: number;
  /** Counted from the order confirmation (step 6). */
  paymentMs: number;
  /** Counted from the order confirmation; overdue (once paid) puts the order in `NEEDS_ATTENTION`. */
  deliveryMs: number;
  /** Counted from the transfer notice (step 8); no answer in time counts as confirmed. */
  sellerConfirmationMs: number;
  /** Counted from the dispute; unresolved in time puts the order in `NEEDS_ATTENTION`. */
  disputeResolutionMs: number;
}

/** Why an order waits for an operator. */
export type AttentionReason =
  | 'PAYMENT_UNKNOWN'
  | 'PAYOUT_UNKNOWN'
  | 'REFUND_UNKNOWN'
  | 'DELIVERY_OVERDUE'
  | 'DISPUTE_OVERDUE'
  | 'SETTLEMENT_OVERDUE';

/** What an operator may do about an order in `NEEDS_ATTENTION`. */
export type AttentionAction = 'RETRY' | 'CANCEL' | 'EXTEND';

/** The actions each attention reason admits: RETRY re-runs an unknown bank call, EXTEND gives a wait more time. */
export const ATTENTION_ACTIONS: Readonly<Record<AttentionReason, readonly AttentionAction[]>> = {
  PAYMENT_UNKNOWN: ['RETRY', 'CANCEL'],
  PAYOUT_UNKNOWN: ['RETRY', 'CANCEL'],
  REFUND_UNKNOWN: ['RETRY'],
  DELIVERY_OVERDUE: ['EXTEND', 'CANCEL'],
  DISPUTE_OVERDUE: ['EXTEND', 'CANCEL'],
  // No settlement batch paid the order out in time: more time only (a cancel would refund money a batch may pay).
  SETTLEMENT_OVERDUE: ['EXTEND'],
};

/** Why the order waits for an operator, since when, and what happened. */
export interface OrderAttention {
  reason: AttentionReason;
  /** ISO 8601 time the order entered `NEEDS_ATTENTION`. */
  since: string;
  detail: string;
}

/** An operator's decision on an order that needed attention. */
export interface AttentionResolution {
  reason: AttentionReason;
  action: AttentionAction;
  operatorId: string;
  note?: string | undefined;
  extendMs?: number | undefined;
  at: string;
}

/** The ten steps of the order-to-settlement lifecycle, numbered as in the source document. */
export const LIFECYCLE_STEPS = {
  1: 'ORDER_PLACED',
  2: 'SUPPLIER_INQUIRY',
  3: 'SUPPLIER_ANSWER',
  4: 'TRANSPORT_INQUIRY',
  5: 'CARRIER_ANSWER',
  6: 'ORDER_CONFIRMED',
  7: 'DELIVERY_AND_PAYMENT',
  8: 'TRANSFER_NOTICE',
  9: 'SELLER_CONFIRMATION',
  10: 'DEAL_CLOSED',
} as const;

/** A step number, 1..10. */
export type StepNumber = keyof typeof LIFECYCLE_STEPS;

/** One step reached, as shown on the order's timeline. */
export interface TimelineEntry {
  step: StepNumber;
  name: (typeof LIFECYCLE_STEPS)[StepNumber];
  /** Party id that acted, or `gateway` / `settleflow` for the system's own steps. */
  actor: string;
  /** ISO 8601 time. */
  at: string;
  outcome: string;
}

/** The supplier's answer to the order inquiry (step 3). */
export interface SupplierAnswer {
  available: boolean;
  reservationId?: string | undefined;
  items: { sku: string; quantity: number }[];
}

/** A carrier's answer to the transport inquiry (step 5). */
export interface CarrierAnswer {
  accepted: boolean;
  /** ISO date `YYYY-MM-DD`. */
  pickupDate?: string | undefined;
  /** ISO date `YYYY-MM-DD`. */
  deliveryDate?: string | undefined;
  route?: string | undefined;
  method?: string | undefined;
  price?: Money | undefined;
}

/** A carrier's recorded answer. */
export interface CarrierQuote extends CarrierAnswer {
  carrierId: string;
  answeredAt: string;
}

/** Shipment events a carrier reports, in the order they must happen. */
export type ShipmentEventType = 'picked_up' | 'in_transit' | 'delivered';

/** All shipment event types, in order. */
export const SHIPMENT_EVENT_TYPES: readonly ShipmentEventType[] = ['picked_up', 'in_transit', 'delivered'];

/** One payment notification's fate at the gateway. */
export interface PaymentAttempt {
  attempt: number;
  /** `card`, `echeck` or `ecash` (contracts/payment-contract.ts). */
  method: 'card' | 'echeck' | 'ecash';
  brand: string;
  last4: string;
  amount: Money;
  /**
   * `AUTHORIZED`: held on the card, captured at delivery (payments through the gateway's child workflow);
   * `UNKNOWN`: the bank did not answer in time; an operator decides (nothing is guessed).
   */
  status: 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'UNKNOWN';
  /** The bank's precise reason; shown to the seller and operators, never to the customer in a 402. */
  declineCode?: string | undefined;
  authorizationId?: string | undefined;
  captureId?: string | undefined;
  at: string;
}

/** The gateway's transfer notice and bank settlement note to the seller (step 8). */
export interface Settlement {
  transferNoticeId: string;
  settlementNoteId: string;
  gross: Money;
  fee: Money;
  net: Money;
  settledAt: string;
  /** The settlement batch that paid the order out, and the order's line in it (absent when paid out per order). */
  batchId?: string | undefined;
  lineId?: string | undefined;
}

/** The order as every reader sees it: the workflow's state and the read-model document. */
export interface OrderView {
  orderId: string;
  status: OrderStatus;
  sellerId: string;
  customerId: string;
  supplierId: string;
  carrierIds: string[];
  carrierId?: string | undefined;
  items: OrderItem[];
  total: Money;
  /** What the seller pays the winning carrier; the seller's cost, not charged to the customer. */
  transportCost?: Money | undefined;
  shipTo: ShipTo;
  deadlines: OrderDeadlines;
  placedAt: string;
  updatedAt: string;
  supplierAnswer?: (SupplierAnswer & { answeredAt: string }) | undefined;
  quotes: CarrierQuote[];
  shipment: { events: { type: ShipmentEventType; at: string }[] };
  payments: PaymentAttempt[];
  settlement?: Settlement | undefined;
  sellerConfirmation?: { confirmed: boolean; reason?: string | undefined; at: string } | undefined;
  disputeResolution?:
    { resolution: 'CLOSE' | 'REFUND'; operatorId: string; note?: string | undefined; at: string } | undefined;
  compensations: { type: CompensationType; at: string }[];
  cancellationReason?: CancellationReason | undefined;
  cancellationDetail?: string | undefined;
  /** Set while the order is `NEEDS_ATTENTION`. */
  attention?: OrderAttention | undefined;
  /** Operators' decisions on earlier attentions, oldest first. */
  attentionResolutions?: AttentionResolution[] | undefined;
  timeline: TimelineEntry[];
  /** Grows with every change; the read model never replaces a document with an older version. */
  version: number;
}

/** What a seller submits to place an order (step 1), already parsed. */
export interface PlaceOrderInput {
  orderId: string;
  sellerId: string;
  customerId: string;
  supplierId: string;
  carrierIds: string[];
  items: OrderItem[];
  shipTo: ShipTo;
  deadlines: OrderDeadlines;
  /** ISO 8601 time the seller placed the order, set by the API so every copy of the order agrees. */
  placedAt: string;
}

/**
 * Sums the items: what the customer pays.
 * @throws DomainError when items are empty or mix currencies
 */
export function orderTotal(items: readonly OrderItem[]): Money {
  const first = items[0];
  if (!first) throw new DomainError('empty_order', 'an order needs at least one item', 'items');
  return items
    .map((item) => multiplyMoney(item.unitPrice, item.quantity))
    .reduce((sum, line) => addMoney(sum, line), money(0, first.unitPrice.currency));
}

/**
 * Checks a place-order input against the business rules a schema cannot express.
 * @throws DomainError naming the field at fault
 */
export function assertValidOrder(input: PlaceOrderInput): void {
  const skus = new Set<string>();
  input.items.forEach((item, index) => {
    if (skus.has(item.sku))
      throw new DomainError('duplicate_sku', `sku ${item.sku} appears twice`, `items.${index}.sku`);
    skus.add(item.sku);
    if (item.quantity < 1)
      throw new DomainError('invalid_quantity', 'quantity must be at least 1', `items.${index}.quantity`);
  });
  const currency = input.items[0]?.unitPrice.currency;
  input.items.forEach((item, index) => {
    if (item.unitPrice.currency !== currency) {
      throw new DomainError(
        'currency_mismatch',
        'all items must be priced in one currency',
        `items.${index}.unitPrice.currency`,
      );
    }
  });
  if (new Set(input.carrierIds).size !== input.carrierIds.length) {
    throw new DomainError('duplicate_carrier', 'carrierIds must be distinct', 'carrierIds');
  }
  if (orderTotal(input.items).amount === 0) {
    throw new DomainError('zero_total', 'an order must cost something: the bank declines a payment of 0', 'items');
  }
}

/** The order's first state (step 1 reached), as the workflow starts it. */
export function initialOrderView(input: PlaceOrderInput): OrderView {
  const at = input.placedAt;
  return {
    orderId: input.orderId,
    status: 'PLACED',
    sellerId: input.sellerId,
    customerId: input.customerId,
    supplierId: input.supplierId,
    carrierIds: [...input.carrierIds],
    items: input.items,
    total: orderTotal(input.items),
    shipTo: input.shipTo,
    deadlines: input.deadlines,
    placedAt: at,
    updatedAt: at,
    quotes: [],
    shipment: { events: [] },
    payments: [],
    compensations: [],
    timeline: [
      { step: 1, name: LIFECYCLE_STEPS[1], actor: input.sellerId, at, outcome: `order placed for ${input.customerId}` },
    ],
    version: 1,
  };
}

/** Statuses after which nothing can change. */
export function isTerminal(status: OrderStatus): boolean {
  return status === 'CLOSED' || status === 'CANCELLED';
}

/** The conflict raised when an action comes at the wrong step; the API answers it with 409. */
export class OrderStateConflict extends DomainError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'OrderStateConflict';
  }
}

/** A party acting outside its role or on another party's order; the API answers it with 403. */
export class OrderForbidden extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'OrderForbidden';
  }
}

function requireStatus(order: OrderView, allowed: readonly OrderStatus[], action: string): void {
  if (!allowed.includes(order.status)) {
    throw new OrderStateConflict('order_not_at_step', `${action} is not possible while the order is ${order.status}`);
  }
}

/**
 * Validates a supplier's answer against the order.
 * @throws OrderForbidden when the actor is not the order's supplier; OrderStateConflict at the wrong step;
 *   DomainError when an available answer does not reserve exactly the ordered quantities
 */
export function assertSupplierAnswer(order: OrderView, supplierId: string, answer: SupplierAnswer): void {
  if (supplierId !== order.supplierId) throw new OrderForbidden("only the order's supplier may answer its inquiry");
  // PLACED too: an answer may arrive in the same instant the workflow starts sending the inquiry.
  requireStatus(order, ['PLACED', 'AWAITING_SUPPLIER'], 'a supplier answer');
  if (!answer.available) return;
  if (!answer.reservationId)
    throw new DomainError('missing_reservation', 'an available answer needs a reservationId', 'reservationId');
  for (const item of order.items) {
    const reserved = answer.items.find((r) => r.sku === item.sku);
    if (!reserved || reserved.quantity !== item.quantity) {
      throw new DomainError(
        'reservation_mismatch',
        `sku ${item.sku} must be reserved with quantity ${item.quantity}`,
        'items',
      );
    }
  }
  if (answer.items.length !== order.items.length) {
    throw new DomainError('reservation_mismatch', 'the reservation names skus that are not on the order', 'items');
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validates a carrier's answer against the order.
 * @throws OrderForbidden when the carrier is not a candidate; OrderStateConflict at the wrong step or on a second
 *   answer; DomainError when an acceptance lacks dates, route, method or a price in the order's currency
 */
export function assertCarrierAnswer(order: OrderView, carrierId: string, answer: CarrierAnswer): void {
  if (!order.carrierIds.includes(carrierId))
    throw new OrderForbidden('only a candidate carrier may answer its inquiry');
  requireStatus(order, ['AWAITING_CARRIER'], 'a carrier answer');
  if (order.quotes.some((q) => q.carrierId === carrierId)) {
    throw new OrderStateConflict('already_answered', `carrier ${carrierId} has already answered`);
  }
  if (!answer.accepted) return;
  for (const field of ['pickupDate', 'deliveryDate'] as const) {
    const value = answer[field];
    if (!value || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
      throw new DomainError('invalid_date', `${field} must be a date YYYY-MM-DD`, field);
    }
  }
  if ((answer.pickupDate ?? '') > (answer.deliveryDate ?? '')) {
    throw new DomainError('invalid_date', 'deliveryDate must not be before pickupDate', 'deliveryDate');
  }
  if (!answer.route) throw new DomainError('missing_route', 'an acceptance needs a route', 'route');
  if (!answer.method) throw new DomainError('missing_method', 'an acceptance needs a method', 'method');
  if (!answer.price) throw new DomainError('missing_price', 'an acceptance needs a price', 'price');
  if (answer.price.currency !== order.total.currency) {
    throw new DomainError('currency_mismatch', `price must be in ${order.total.currency}`, 'price.currency');
  }
}

/**
 * Picks the winning quote: the lowest price among acceptances; the earlier delivery date breaks a tie,
 * then the carrier's position in the order's candidate list, so the choice is deterministic.
 */
export function chooseBestQuote(
  order: Pick<OrderView, 'carrierIds'>,
  quotes: readonly CarrierQuote[],
): CarrierQuote | undefined {
  const rank = (q: CarrierQuote): number => order.carrierIds.indexOf(q.carrierId);
  return quotes
    .filter((q) => q.accepted && q.price)
    .slice()
    .sort(
      (a, b) =>
        (a.price?.amount ?? 0) - (b.price?.amount ?? 0) ||
        (a.deliveryDate ?? '').localeCompare(b.deliveryDate ?? '') ||
        rank(a) - rank(b),
    )[0];
}

/** The latest shipment event reported, if any. */
export function shipmentProgress(order: OrderView): ShipmentEventType | undefined {
  return order.shipment.events[order.shipment.events.length - 1]?.type;
}

/**
 * Validates a shipment event: only the chosen carrier, only after confirmation, only in order, never twice.
 * @throws OrderForbidden or OrderStateConflict
 */
export function assertShipmentEvent(order: OrderView, carrierId: string, type: ShipmentEventType): void {
  if (carrierId !== order.carrierId) throw new OrderForbidden('only the chosen carrier may report shipment events');
  requireStatus(order, ['CONFIRMED', 'IN_DELIVERY'], 'a shipment event');
  const last = shipmentProgress(order);
  const expectedIndex = last === undefined ? 0 : SHIPMENT_EVENT_TYPES.indexOf(last) + 1;
  const index = SHIPMENT_EVENT_TYPES.indexOf(type);
  if (index < expectedIndex) throw new OrderStateConflict('already_reported', `${type} has already been reported`);
  if (type !== 'picked_up' && last === undefined) {
    throw new OrderStateConflict('shipment_out_of_order', `${type} needs picked_up first`);
  }
}

/** Whether the order has a captured payment. */
export function isPaid(order: OrderView): boolean {
  return order.payments.some((p) => p.status === 'CAPTURED' || p.status === 'AUTHORIZED');
}

/**
 * Validates a payment notification: the order's customer, after confirmation, not yet paid.
 * @throws OrderForbidden or OrderStateConflict
 */
export function assertPaymentNotification(order: OrderView, customerId: string): void {
  if (customerId !== order.customerId) throw new OrderForbidden("only the order's customer may pay it");
  requireStatus(order, ['CONFIRMED', 'IN_DELIVERY'], 'a payment notification');
  if (isPaid(order)) throw new OrderStateConflict('already_paid', 'the order is already paid');
}

/**
 * Validates the seller's confirmation of the transfer notice and settlement note (step 9).
 * @throws OrderForbidden or OrderStateConflict
 */
export function assertSettlementConfirmation(order: OrderView, sellerId: string): void {
  if (sellerId !== order.sellerId) throw new OrderForbidden("only the order's seller may confirm its settlement");
  requireStatus(order, ['AWAITING_SELLER_CONFIRMATION'], 'a settlement confirmation');
}

/** Who may cancel, and as what reason. */
export function cancellationReasonFor(role: PartyRole): CancellationReason | undefined {
  if (role === 'customer') return 'CANCELLED_BY_CUSTOMER';
  if (role === 'seller') return 'CANCELLED_BY_SELLER';
  if (role === 'operator') return 'CANCELLED_BY_OPERATOR';
  return undefined;
}

/**
 * Validates a cancellation: by the order's customer or seller, or an operator, and only before pickup.
 * @throws OrderForbidden or OrderStateConflict
 */
export function assertCancellation(order: OrderView, actor: { partyId: string; role: PartyRole }): void {
  const own =
    actor.role === 'operator' ||
    (actor.role === 'customer' && actor.partyId === order.customerId) ||
    (actor.role === 'seller' && actor.partyId === order.sellerId);
  if (!own) throw new OrderForbidden("only the order's customer or seller, or an operator, may cancel it");
  if (isTerminal(order.status))
    throw new OrderStateConflict('order_not_at_step', `the order is already ${order.status}`);
  if (order.shipment.events.length > 0) {
    throw new OrderStateConflict(
      'already_picked_up',
      'the goods have been picked up; the order can no longer be cancelled',
    );
  }
  if (order.status === 'AWAITING_SELLER_CONFIRMATION' || order.status === 'DISPUTED') {
    throw new OrderStateConflict('order_not_at_step', `the order cannot be cancelled while ${order.status}`);
  }
}

/**
 * Validates an operator's resolution of a disputed settlement.
 * @throws OrderStateConflict when the order is not disputed
 */
export function assertDisputeResolution(order: OrderView): void {
  requireStatus(order, ['DISPUTED'], 'a dispute resolution');
}

/**
 * The gateway's fee on a captured amount: basis points plus a fixed part, rounded half up, never above the amount.
 */
export function gatewayFee(gross: Money, feeBps: number, fixedMinor: number): Money {
  const variable = Number((BigInt(gross.amount) * BigInt(feeBps) + 5000n) / 10000n);
  return money(Math.min(gross.amount, variable + fixedMinor), gross.currency);
}
