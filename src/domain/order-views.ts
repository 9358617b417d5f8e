// Need-to-know views of an order: the one place that decides which fields each party may read, applied to every
// answer that carries an order (GET, lists, Update answers). Pure: no I/O, no clock. Must never copy a field to a
// restricted role by default: every restricted view is an allow-list, so a field added to OrderView later stays
// hidden until it is named here.

import type {
  CancellationReason,
  CarrierQuote,
  CompensationType,
  OrderDeadlines,
  OrderView,
  PartyRole,
  PaymentAttempt,
  StepNumber,
  TimelineEntry,
} from './order';

/** The party reading an order, as the API authenticated it. */
export interface OrderViewer {
  id: string;
  role: PartyRole;
}

/**
 * Where a candidate carrier's quote stands: `AWAITING_ANSWER` (inquiry sent, not answered), `PENDING` (answered,
 * carriers still being waited for), `SELECTED` (it carries the order), `NOT_SELECTED` (the order went on without it:
 * another carrier won, its answer was a refusal, it did not answer in time, or the order was cancelled first).
 */
export type QuoteOutcome = 'AWAITING_ANSWER' | 'PENDING' | 'SELECTED' | 'NOT_SELECTED';

/** The chosen transport as the customer (delivery date) and the supplier (pickup date) need it. */
export interface DeliveryView {
  carrierId: string;
  /** ISO date `YYYY-MM-DD`; shown to the supplier, who hands the goods over. */
  pickupDate?: string | undefined;
  /** ISO date `YYYY-MM-DD`; shown to the customer, who receives them. */
  deliveryDate?: string | undefined;
}

/** What `viewFor` returns: the order's fields a role may see, plus the few facts derived for that role. */
export type RoleOrderView = Partial<OrderView> & {
  /** Candidate carriers only. */
  quoteOutcome?: QuoteOutcome;
  /** Customer and supplier only, once a carrier is chosen. */
  delivery?: DeliveryView;
};

type StepSummary = Partial<Record<StepNumber, string>>;

/**
 * The timeline steps each restricted role sees, with the outcome text it reads: a neutral text, since the stored one
 * names other parties and prices, or `own` (the stored text) for the role's own step.
 */
const CUSTOMER_STEPS: StepSummary = { 1: 'order placed', 6: 'order confirmed', 7: 'own', 10: 'deal closed' };
const SUPPLIER_STEPS: StepSummary = {
  1: 'order placed',
  2: 'order inquiry received',
  3: 'own',
  6: 'order confirmed',
};
const CARRIER_STEPS: StepSummary = {
  4: 'transport inquiry received',
  5: 'your quote was chosen',
  6: 'order confirmed',
};

/** Every cancellation reason; a Record, so a reason added to the domain must be named here to compile. */
const EVERY_REASON: Record<CancellationReason, true> = {
  SUPPLIER_UNAVAILABLE: true,
  SUPPLIER_DEADLINE_PASSED: true,
  NO_CARRIER: true,
  PAYMENT_DEADLINE_PASSED: true,
  PAYMENT_FAILED: true,
  CANCELLED_BY_CUSTOMER: true,
  CANCELLED_BY_SELLER: true,
  CANCELLED_BY_OPERATOR: true,
  DISPUTE_REFUNDED: true,
};
const ALL_REASONS = Object.keys(EVERY_REASON) as CancellationReason[];

/**
 * The cancellation reasons each role may read. A reason outside its list is omitted (the status still says
 * `CANCELLED`): `PAYMENT_DEADLINE_PASSED` and `PAYMENT_FAILED` tell of the customer's payments, `DISPUTE_REFUNDED`
 * of a dispute.
 */
const REASONS_SHOWN: Record<PartyRole, readonly CancellationReason[]> = {
  seller: ALL_REASONS,
  operator: ALL_REASONS,
  customer: ALL_REASONS,
  supplier: [
    'SUPPLIER_UNAVAILABLE',
    'SUPPLIER_DEADLINE_PASSED',
    'NO_CARRIER',
    'CANCELLED_BY_CUSTOMER',
    'CANCELLED_BY_SELLER',
    'CANCELLED_BY_OPERATOR',
  ],
  carrier: ['NO_CARRIER', 'CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER', 'CANCELLED_BY_OPERATOR'],
};

/** The cancellation details (free text) the customer reads: the ones it or its seller wrote, never an operator's. */
const CUSTOMER_DETAIL_REASONS: readonly CancellationReason[] = ['CANCELLED_BY_CUSTOMER', 'CANCELLED_BY_SELLER'];

/**
 * The cancellation reason a role may read, or undefined. Notices to a party about a cancellation
 * (`RESERVATION_RELEASE`, `TRANSPORT_CANCELLATION`, `ORDER_CANCELLED`) must carry this, not the order's reason.
 */
export function cancellationReasonShownTo(
  role: PartyRole,
  reason: CancellationReason | undefined,
): CancellationReason | undefined {
  return reason !== undefined && REASONS_SHOWN[role].includes(reason) ? reason : undefined;
}

/** Statuses after which a party's own work on the order is over, whatever the seller and the gateway still settle. */
const AFTER_DELIVERY_STATUSES = new Set<string>(['AWAITING_SELLER_CONFIRMATION', 'DISPUTED', 'CLOSED']);

/**
 * The part of an order a party may see, decided by its role and its place on the order.
 *
 * - seller (its own orders) and operator: everything, including fields this module does not know.
 * - customer: the order, total, delivery (chosen carrier, delivery date, shipment events) and its own payments
 *   (brand, last4, amount, status; never the bank's decline code nor gateway references); never the supplier,
 *   the candidate carriers, quotes, transport cost, reservation, settlement, fee or dispute (a dispute shows as
 *   `AWAITING_SELLER_CONFIRMATION`).
 * - supplier: the seller that asks it, items without prices, ship-to, its reservation, the chosen carrier and pickup date, shipment events,
 *   its deadline; never the customer, prices, total, transport cost, quotes, payments or settlement.
 * - candidate carrier: before the transport inquiry only `{ orderId, status }`; then the seller, items without prices,
 *   ship-to,
 *   its own quote only, its deadlines and `quoteOutcome`; once chosen also the shipment. A carrier that was not
 *   chosen sees only `{ orderId, quoteOutcome: 'NOT_SELECTED', quotes: [its own] }`, plus `status` when the order
 *   ended before any carrier was chosen.
 * - supplier and chosen carrier: once the goods are delivered their part is over, so they see `CLOSED` and no
 *   cancellation (a later dispute or refund is between seller, customer and gateway); before it they read only the
 *   cancellation reasons that concern them (see {@link cancellationReasonShownTo}), never a free-text detail.
 * - customer: every cancellation reason; the free-text detail only when it or its seller cancelled.
 * - any party not on the order: `{ orderId }` only (the API refuses it before; this is the last line).
 */
export function viewFor(order: OrderView, viewer: { id: string; role: PartyRole }): RoleOrderView {
  switch (viewer.role) {
    case 'operator':
      return fullView(order);
    case 'seller':
      return order.sellerId === viewer.id ? fullView(order) : { orderId: order.orderId };
    case 'customer':
      return order.customerId === viewer.id ? customerView(order) : { orderId: order.orderId };
    case 'supplier':
      return order.supplierId === viewer.id ? supplierView(order) : { orderId: order.orderId };
    case 'carrier':
      return order.carrierIds.includes(viewer.id) ? carrierView(order, viewer.id) : { orderId: order.orderId };
    default:
      return { orderId: order.orderId };
  }
}

/** The views of many orders for one viewer, for lists. */
export function viewsFor(orders: readonly OrderView[], viewer: OrderViewer): RoleOrderView[] {
  return orders.map((order) => viewFor(order, viewer));
}

function fullView(order: OrderView): RoleOrderView {
  return { ...order };
}

function customerView(order: OrderView): RoleOrderView {
  const view: RoleOrderView = {
    orderId: order.orderId,
    status: order.status === 'DISPUTED' ? 'AWAITING_SELLER_CONFIRMATION' : order.status,
    sellerId: order.sellerId,
    customerId: order.customerId,
    items: order.items.map(({ sku, description, quantity, unitPrice }) => ({ sku, description, quantity, unitPrice })),
    total: order.total,
    shipTo: order.shipTo,
    deadlines: pickDeadlines(order.deadlines, ['paymentMs', 'deliveryMs']),
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    shipment: { events: order.shipment.events.map(({ type, at }) => ({ type, at })) },
    payments: order.payments.map(customerPayment),
    compensations: pickCompensations(order, ['PAYMENT_VOIDED', 'PAYMENT_REFUNDED']),
    timeline: timelineFor(order, CUSTOMER_STEPS, order.customerId),
    version: order.version,
  };
  const chosen = chosenQuote(order);
  if (order.carrierId !== undefined) {
    view.carrierId = order.carrierId;
    view.delivery = { carrierId: order.carrierId, deliveryDate: chosen?.deliveryDate };
  }
  if (order.cancellationReason !== undefined) {
    view.cancellationReason = order.cancellationReason;
    // Free text only where the customer or its seller wrote it: the system's texts name counts of quotes, and an
    // operator's note is internal.
    if (CUSTOMER_DETAIL_REASONS.includes(order.cancellationReason) && order.cancellationDetail !== undefined) {
      view.cancellationDetail = order.cancellationDetail;
    }
  }
  return view;
}

/**
 * A payment attempt as the paying customer reads it: brand, last4, amount, status and time; never the bank's decline
 * code nor the gateway's references. The answer to a payment notification carries its attempt through this.
 */
export function customerPayment(payment: PaymentAttempt): PaymentAttempt {
  const { attempt, method, brand, last4, amount, status, at } = payment;
  return { attempt, method, brand, last4, amount, status, at };
}

function supplierView(order: OrderView): RoleOrderView {
  const view: RoleOrderView = {
    orderId: order.orderId,
    status: partStatus(order),
    sellerId: order.sellerId,
    supplierId: order.supplierId,
    items: order.items.map(({ sku, description, quantity }) => ({ sku, description, quantity })) as OrderView['items'],
    shipTo: order.shipTo,
    deadlines: pickDeadlines(order.deadlines, ['supplierAnswerMs']),
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    shipment: { events: order.shipment.events.map(({ type, at }) => ({ type, at })) },
    compensations: pickCompensations(order, ['RESERVATION_RELEASED']),
    timeline: timelineFor(order, SUPPLIER_STEPS, order.supplierId),
    version: order.version,
  };
  if (order.supplierAnswer !== undefined) {
    const { available, reservationId, items, answeredAt } = order.supplierAnswer;
    view.supplierAnswer = {
      available,
      reservationId,
      items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      answeredAt,
    };
  }
  if (order.carrierId !== undefined) {
    view.carrierId = order.carrierId;
    view.delivery = { carrierId: order.carrierId, pickupDate: chosenQuote(order)?.pickupDate };
  }
  const reason = isDelivered(order) ? undefined : cancellationReasonShownTo('supplier', order.cancellationReason);
  if (reason !== undefined) view.cancellationReason = reason;
  return view;
}

function carrierView(order: OrderView, carrierId: string): RoleOrderView {
  const own = order.quotes.filter((quote) => quote.carrierId === carrierId).map(ownQuote);
  const outcome = quoteOutcomeOf(order, carrierId);
  if (outcome === undefined) return { orderId: order.orderId, status: order.status };
  if (outcome === 'NOT_SELECTED') {
    // With no carrier chosen the order ended while quoting, which every candidate may know; after a choice the
    // order's course is none of a losing carrier's business.
    const lost: RoleOrderView = { orderId: order.orderId, quoteOutcome: 'NOT_SELECTED', quotes: own };
    if (order.carrierId === undefined) lost.status = order.status;
    return lost;
  }
  const view: RoleOrderView = {
    orderId: order.orderId,
    status: partStatus(order),
    sellerId: order.sellerId,
    carrierIds: [carrierId],
    items: order.items.map(({ sku, description, quantity }) => ({ sku, description, quantity })) as OrderView['items'],
    shipTo: order.shipTo,
    deadlines: pickDeadlines(
      order.deadlines,
      outcome === 'SELECTED' ? ['carrierAnswerMs', 'deliveryMs'] : ['carrierAnswerMs'],
    ),
    placedAt: order.placedAt,
    quotes: own,
    quoteOutcome: outcome,
    timeline: timelineFor(order, outcome === 'SELECTED' ? CARRIER_STEPS : { 4: CARRIER_STEPS[4] }, carrierId),
  };
  if (outcome === 'SELECTED') {
    view.carrierId = carrierId;
    view.updatedAt = order.updatedAt;
    view.version = order.version;
    view.shipment = { events: order.shipment.events.map(({ type, at }) => ({ type, at })) };
    view.compensations = pickCompensations(order, ['TRANSPORT_CANCELLED']);
    const reason = isDelivered(order) ? undefined : cancellationReasonShownTo('carrier', order.cancellationReason);
    if (reason !== undefined) view.cancellationReason = reason;
  }
  return view;
}

/**
 * Where a candidate carrier's quote stands, or undefined before the transport inquiry was sent to it.
 * Exported for the tests and for notices that must agree with the view.
 */
export function quoteOutcomeOf(order: OrderView, carrierId: string): QuoteOutcome | undefined {
  if (order.carrierId !== undefined) return order.carrierId === carrierId ? 'SELECTED' : 'NOT_SELECTED';
  const inquired = order.timeline.some((entry) => entry.step === 4);
  if (!inquired) return undefined;
  if (order.status !== 'AWAITING_CARRIER') return 'NOT_SELECTED';
  return order.quotes.some((quote) => quote.carrierId === carrierId) ? 'PENDING' : 'AWAITING_ANSWER';
}

function ownQuote(quote: CarrierQuote): CarrierQuote {
  const { carrierId, accepted, pickupDate, deliveryDate, route, method, price, answeredAt } = quote;
  return { carrierId, accepted, pickupDate, deliveryDate, route, method, price, answeredAt };
}

function chosenQuote(order: OrderView): CarrierQuote | undefined {
  return order.quotes.find((quote) => quote.carrierId === order.carrierId);
}

function isDelivered(order: OrderView): boolean {
  return order.shipment.events.some((event) => event.type === 'delivered');
}

/** The status a supplier or the chosen carrier sees: the real one until delivery, then `CLOSED`. */
function partStatus(order: OrderView): OrderView['status'] {
  if (isDelivered(order) || AFTER_DELIVERY_STATUSES.has(order.status)) return 'CLOSED';
  return order.status;
}

/**
 * The deadlines a role answers to. The type says every deadline is there; a view holds only the named ones, which is
 * what its JSON carries (the cast is the projection, not a promise).
 */
function pickDeadlines(deadlines: OrderDeadlines, names: readonly string[]): OrderDeadlines {
  const source = deadlines as unknown as Record<string, unknown>;
  return Object.fromEntries(
    names.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]),
  ) as unknown as OrderDeadlines;
}

function pickCompensations(order: OrderView, types: readonly CompensationType[]): OrderView['compensations'] {
  return order.compensations.filter((c) => types.includes(c.type)).map(({ type, at }) => ({ type, at }));
}

/** The timeline entries of the steps a role sees, with the outcome it may read; no other party's id as actor. */
function timelineFor(order: OrderView, steps: StepSummary, viewerId: string): TimelineEntry[] {
  return order.timeline.flatMap((entry) => {
    const summary = steps[entry.step];
    if (summary === undefined) return [];
    const outcome = summary === 'own' ? entry.outcome : summary;
    return [{ step: entry.step, name: entry.name, actor: actorFor(order, entry, viewerId), at: entry.at, outcome }];
  });
}

/** A timeline actor as a restricted role sees it: the system, the seller or itself; any other party shows as the system. */
function actorFor(order: OrderView, entry: TimelineEntry, viewerId: string): string {
  const known = ['gateway', 'settleflow', order.sellerId, viewerId];
  return known.includes(entry.actor) ? entry.actor : 'settleflow';
}
