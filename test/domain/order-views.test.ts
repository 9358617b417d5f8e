// The need-to-know table: for every role (seller, customer, supplier, chosen carrier, losing carrier, operator) at
// every status, the fields it sees and the data it never sees. Orders are built as plain data, step by step.

import type { OrderStatus, OrderView, PaymentAttempt } from '../../src/domain/order';
import { initialOrderView } from '../../src/domain/order';
import type { RoleOrderView } from '../../src/domain/order-views';
import { cancellationReasonShownTo, quoteOutcomeOf, viewFor } from '../../src/domain/order-views';

const SELLER = 'seller-1';
const CUSTOMER = 'customer-1';
const SUPPLIER = 'supplier-1';
const WINNER = 'carrier-win';
const LOSER = 'carrier-lose';
const OPERATOR = 'operator-1';
const WINNER_PRICE = 8_011;
const LOSER_PRICE = 9_173;
const UNIT_PRICE = 1_237;
const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, '0')}:00.000Z`;

/**
 * A fixture name: every status (`CANCELLED` is the refund after a dispute), two earlier cancellations, and an order
 * needing attention (a status the workflow adds).
 */
type Stage = OrderStatus | 'CANCELLED_WHILE_QUOTING' | 'CANCELLED_AFTER_CONFIRMATION' | 'NEEDS_ATTENTION';

function placed(): OrderView {
  return initialOrderView({
    orderId: 'o-1',
    sellerId: SELLER,
    customerId: CUSTOMER,
    supplierId: SUPPLIER,
    carrierIds: [WINNER, LOSER],
    items: [{ sku: 'PUMP', description: 'pump', quantity: 2, unitPrice: { amount: UNIT_PRICE, currency: 'EUR' } }],
    shipTo: { name: 'Dock 4', line1: 'Quay 1', city: 'Hamburg', postalCode: '20457', country: 'DE' },
    deadlines: {
      supplierAnswerMs: 1000,
      carrierAnswerMs: 2000,
      paymentMs: 3000,
      deliveryMs: 4000,
      sellerConfirmationMs: 5000,
      disputeResolutionMs: 6000,
    },
    placedAt: at(0),
  });
}

/** The order at a stage, built by the workflow's own steps as plain data. */
function orderAt(stage: Stage): OrderView {
  const o = placed();
  if (stage === 'PLACED') return o;
  o.status = 'AWAITING_SUPPLIER';
  o.timeline.push({ step: 2, name: 'SUPPLIER_INQUIRY', actor: SELLER, at: at(1), outcome: `sent to ${SUPPLIER}` });
  if (stage === 'AWAITING_SUPPLIER') return o;
  o.supplierAnswer = {
    available: true,
    reservationId: 'res-42',
    items: [{ sku: 'PUMP', quantity: 2 }],
    answeredAt: at(2),
  };
  o.timeline.push({
    step: 3,
    name: 'SUPPLIER_ANSWER',
    actor: SUPPLIER,
    at: at(2),
    outcome: 'available, reservation res-42',
  });
  o.status = 'AWAITING_CARRIER';
  o.timeline.push({
    step: 4,
    name: 'TRANSPORT_INQUIRY',
    actor: SELLER,
    at: at(3),
    outcome: `sent to ${WINNER}, ${LOSER}`,
  });
  const quote = (carrierId: string, amount: number, minute: number) => ({
    carrierId,
    accepted: true,
    pickupDate: '2026-12-01',
    deliveryDate: carrierId === WINNER ? '2026-12-10' : '2026-12-08',
    route: carrierId === WINNER ? 'HAM-MUC-WIN' : 'HAM-MUC-LOSE',
    method: 'road',
    price: { amount, currency: 'EUR' },
    answeredAt: at(minute),
  });
  o.quotes.push(quote(LOSER, LOSER_PRICE, 4));
  if (stage === 'AWAITING_CARRIER') return o;
  if (stage === 'CANCELLED_WHILE_QUOTING') {
    return cancel(o, 'CANCELLED_BY_OPERATOR', 'carrier quotes too high', ['RESERVATION_RELEASED']);
  }
  o.quotes.push(quote(WINNER, WINNER_PRICE, 5));
  o.carrierId = WINNER;
  o.transportCost = { amount: WINNER_PRICE, currency: 'EUR' };
  o.timeline.push({
    step: 5,
    name: 'CARRIER_ANSWER',
    actor: WINNER,
    at: at(5),
    outcome: 'road via HAM-MUC-WIN for 80.11 EUR, delivery 2026-12-10; 2 of 2 answered',
  });
  o.status = 'CONFIRMED';
  o.timeline.push({ step: 6, name: 'ORDER_CONFIRMED', actor: SELLER, at: at(6), outcome: `carrier ${WINNER}` });
  o.payments.push({
    attempt: 1,
    method: 'card',
    brand: 'visa',
    last4: '9995',
    amount: o.total,
    status: 'DECLINED',
    declineCode: 'insufficient_funds',
    at: at(7),
  });
  if (stage === 'CONFIRMED') return o;
  if (stage === 'CANCELLED_AFTER_CONFIRMATION') {
    return cancel(o, 'PAYMENT_DEADLINE_PASSED', 'the customer did not pay in time', [
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);
  }
  if (stage === 'NEEDS_ATTENTION') {
    o.status = 'NEEDS_ATTENTION' as unknown as OrderStatus;
    o.payments.push({
      attempt: 2,
      method: 'card',
      brand: 'visa',
      last4: '4242',
      amount: o.total,
      status: 'UNKNOWN' as unknown as PaymentAttempt['status'],
      at: at(8),
    });
    Object.assign(o, { attention: { reason: 'PAYMENT_UNKNOWN', detail: 'bank silent on auth-secret-9' } });
    return o;
  }
  o.payments.push({
    attempt: 2,
    method: 'card',
    brand: 'visa',
    last4: '4242',
    amount: o.total,
    status: 'CAPTURED',
    authorizationId: 'auth-secret-1',
    captureId: 'cap-secret-1',
    at: at(8),
  });
  o.timeline.push({
    step: 7,
    name: 'DELIVERY_AND_PAYMENT',
    actor: CUSTOMER,
    at: at(8),
    outcome: 'payment captured (card ending 4242)',
  });
  o.settlement = {
    transferNoticeId: 'tn-secret-1',
    settlementNoteId: 'sn-secret-1',
    gross: o.total,
    fee: { amount: 101, currency: 'EUR' },
    net: { amount: o.total.amount - 101, currency: 'EUR' },
    settledAt: at(9),
  };
  o.timeline.push({
    step: 8,
    name: 'TRANSFER_NOTICE',
    actor: 'gateway',
    at: at(9),
    outcome: 'net 23.73 EUR after fee 1.01 EUR',
  });
  o.status = 'IN_DELIVERY';
  o.shipment.events.push({ type: 'picked_up', at: at(10) });
  if (stage === 'IN_DELIVERY') return o;
  o.shipment.events.push({ type: 'delivered', at: at(11) });
  o.status = 'AWAITING_SELLER_CONFIRMATION';
  if (stage === 'AWAITING_SELLER_CONFIRMATION') return o;
  if (stage === 'CLOSED') {
    o.sellerConfirmation = { confirmed: true, at: at(12) };
    o.timeline.push({ step: 9, name: 'SELLER_CONFIRMATION', actor: SELLER, at: at(12), outcome: 'confirmed' });
    o.timeline.push({ step: 10, name: 'DEAL_CLOSED', actor: 'settleflow', at: at(13), outcome: 'deal closed' });
    o.status = 'CLOSED';
    return o;
  }
  o.sellerConfirmation = { confirmed: false, reason: 'net amount is short', at: at(12) };
  o.timeline.push({
    step: 9,
    name: 'SELLER_CONFIRMATION',
    actor: SELLER,
    at: at(12),
    outcome: 'disputed: net amount is short',
  });
  o.status = 'DISPUTED';
  if (stage === 'DISPUTED') return o;
  o.disputeResolution = { resolution: 'REFUND', operatorId: OPERATOR, note: 'refund agreed internally', at: at(13) };
  return cancel(o, 'DISPUTE_REFUNDED', 'refund agreed internally', [
    'PAYMENT_REFUNDED',
    'TRANSPORT_CANCELLED',
    'RESERVATION_RELEASED',
  ]);
}

function cancel(
  o: OrderView,
  reason: NonNullable<OrderView['cancellationReason']>,
  detail: string,
  compensations: OrderView['compensations'][number]['type'][],
): OrderView {
  o.compensations.push(...compensations.map((type, i) => ({ type, at: at(20 + i) })));
  o.cancellationReason = reason;
  o.cancellationDetail = detail;
  o.status = 'CANCELLED';
  return o;
}

/** Every stage the table covers. */
const STAGES: Stage[] = [
  'PLACED',
  'AWAITING_SUPPLIER',
  'AWAITING_CARRIER',
  'CONFIRMED',
  'IN_DELIVERY',
  'AWAITING_SELLER_CONFIRMATION',
  'DISPUTED',
  'CLOSED',
  'CANCELLED',
  'CANCELLED_WHILE_QUOTING',
  'CANCELLED_AFTER_CONFIRMATION',
  'NEEDS_ATTENTION',
];

const build = orderAt;

type Viewer = 'seller' | 'customer' | 'supplier' | 'chosenCarrier' | 'losingCarrier' | 'operator';

const VIEWERS: Record<Viewer, { id: string; role: 'seller' | 'customer' | 'supplier' | 'carrier' | 'operator' }> = {
  seller: { id: SELLER, role: 'seller' },
  customer: { id: CUSTOMER, role: 'customer' },
  supplier: { id: SUPPLIER, role: 'supplier' },
  chosenCarrier: { id: WINNER, role: 'carrier' },
  losingCarrier: { id: LOSER, role: 'carrier' },
  operator: { id: OPERATOR, role: 'operator' },
};

/** Text that must never appear anywhere in a role's view, at any stage. */
const PRICE = (amount: number) => [`"amount":${amount}`, `${Math.floor(amount / 100)}.${amount % 100} EUR`];
const NEVER: Record<Exclude<Viewer, 'seller' | 'operator'>, string[]> = {
  customer: [
    ...PRICE(WINNER_PRICE),
    ...PRICE(LOSER_PRICE),
    LOSER,
    SUPPLIER,
    'res-42',
    'insufficient_funds',
    'auth-secret',
    'cap-secret',
    'tn-secret',
    'sn-secret',
    'fee',
    'net amount is short',
    'refund agreed internally',
    'transportCost',
    'attention',
    'carrier quotes too high',
  ],
  supplier: [
    'PAYMENT_DEADLINE_PASSED',
    'customer did not pay',
    ...PRICE(WINNER_PRICE),
    ...PRICE(LOSER_PRICE),
    ...PRICE(UNIT_PRICE),
    LOSER,
    CUSTOMER,
    'unitPrice',
    '"total"',
    'payments',
    'last4',
    'tn-secret',
    'settlement',
    'fee',
    'net amount is short',
    'refund agreed internally',
    'DISPUTE',
    'attention',
    'carrier quotes too high',
  ],
  chosenCarrier: [
    'PAYMENT_DEADLINE_PASSED',
    'customer did not pay',
    ...PRICE(LOSER_PRICE),
    ...PRICE(UNIT_PRICE),
    LOSER,
    CUSTOMER,
    'HAM-MUC-LOSE',
    'unitPrice',
    '"total"',
    'payments',
    'last4',
    'settlement',
    'fee',
    'net amount is short',
    'refund agreed internally',
    'DISPUTE',
    'res-42',
    'attention',
    'carrier quotes too high',
  ],
  losingCarrier: [
    'PAYMENT_DEADLINE_PASSED',
    'customer did not pay',
    ...PRICE(WINNER_PRICE),
    ...PRICE(UNIT_PRICE),
    WINNER,
    CUSTOMER,
    SUPPLIER,
    'HAM-MUC-WIN',
    'unitPrice',
    '"total"',
    'payments',
    'last4',
    'settlement',
    'fee',
    'net amount is short',
    'refund agreed internally',
    'DISPUTE',
    'res-42',
    'attention',
    'carrier quotes too high',
  ],
};

/** Fields every restricted view of an order the role works on carries. */
const CUSTOMER_KEYS = [
  'compensations',
  'customerId',
  'deadlines',
  'items',
  'orderId',
  'payments',
  'placedAt',
  'sellerId',
  'shipTo',
  'shipment',
  'status',
  'timeline',
  'total',
  'updatedAt',
  'version',
];
const SUPPLIER_KEYS = [
  'compensations',
  'deadlines',
  'items',
  'orderId',
  'placedAt',
  'sellerId',
  'shipTo',
  'shipment',
  'status',
  'supplierId',
  'timeline',
  'updatedAt',
  'version',
];
const CANDIDATE_KEYS = [
  'carrierIds',
  'deadlines',
  'items',
  'orderId',
  'placedAt',
  'quoteOutcome',
  'quotes',
  'sellerId',
  'shipTo',
  'status',
  'timeline',
];
const CHOSEN_KEYS = [...CANDIDATE_KEYS, 'carrierId', 'compensations', 'shipment', 'updatedAt', 'version'];
const sorted = (keys: string[]) => [...keys].sort();

/**
 * The table: at each stage, the exact fields each restricted role sees and the status it reads. Seller and operator
 * see the order as it is (checked below for every stage).
 */
const TABLE: Record<Stage, Partial<Record<Viewer, { keys: string[]; status?: string }>>> = {
  PLACED: {
    customer: { keys: CUSTOMER_KEYS, status: 'PLACED' },
    supplier: { keys: SUPPLIER_KEYS, status: 'PLACED' },
    chosenCarrier: { keys: ['orderId', 'status'], status: 'PLACED' },
    losingCarrier: { keys: ['orderId', 'status'], status: 'PLACED' },
  },
  AWAITING_SUPPLIER: {
    customer: { keys: CUSTOMER_KEYS, status: 'AWAITING_SUPPLIER' },
    supplier: { keys: SUPPLIER_KEYS, status: 'AWAITING_SUPPLIER' },
    chosenCarrier: { keys: ['orderId', 'status'], status: 'AWAITING_SUPPLIER' },
    losingCarrier: { keys: ['orderId', 'status'], status: 'AWAITING_SUPPLIER' },
  },
  AWAITING_CARRIER: {
    customer: { keys: CUSTOMER_KEYS, status: 'AWAITING_CARRIER' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer'], status: 'AWAITING_CARRIER' },
    chosenCarrier: { keys: CANDIDATE_KEYS, status: 'AWAITING_CARRIER' },
    losingCarrier: { keys: CANDIDATE_KEYS, status: 'AWAITING_CARRIER' },
  },
  CONFIRMED: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'CONFIRMED' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CONFIRMED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CONFIRMED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  IN_DELIVERY: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'IN_DELIVERY' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'IN_DELIVERY' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'IN_DELIVERY' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  AWAITING_SELLER_CONFIRMATION: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'AWAITING_SELLER_CONFIRMATION' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CLOSED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CLOSED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  DISPUTED: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'AWAITING_SELLER_CONFIRMATION' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CLOSED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CLOSED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  CLOSED: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'CLOSED' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CLOSED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CLOSED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  CANCELLED: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery', 'cancellationReason'], status: 'CANCELLED' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CLOSED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CLOSED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  CANCELLED_WHILE_QUOTING: {
    customer: { keys: [...CUSTOMER_KEYS, 'cancellationReason'], status: 'CANCELLED' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'cancellationReason'], status: 'CANCELLED' },
    chosenCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes', 'status'], status: 'CANCELLED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes', 'status'], status: 'CANCELLED' },
  },
  CANCELLED_AFTER_CONFIRMATION: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery', 'cancellationReason'], status: 'CANCELLED' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'CANCELLED' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'CANCELLED' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
  NEEDS_ATTENTION: {
    customer: { keys: [...CUSTOMER_KEYS, 'carrierId', 'delivery'], status: 'NEEDS_ATTENTION' },
    supplier: { keys: [...SUPPLIER_KEYS, 'supplierAnswer', 'carrierId', 'delivery'], status: 'NEEDS_ATTENTION' },
    chosenCarrier: { keys: CHOSEN_KEYS, status: 'NEEDS_ATTENTION' },
    losingCarrier: { keys: ['orderId', 'quoteOutcome', 'quotes'] },
  },
};

const view = (stage: Stage, viewer: Viewer): RoleOrderView => viewFor(build(stage), VIEWERS[viewer]);
const cells = STAGES.flatMap((stage) =>
  (['customer', 'supplier', 'chosenCarrier', 'losingCarrier'] as const).flatMap((viewer) => {
    const expected = TABLE[stage][viewer];
    return expected ? [{ stage, viewer, expected }] : [];
  }),
);

describe('order views', () => {
  test.each(cells)(
    'viewFor › $viewer at $stage › sees exactly its fields and its status',
    ({ stage, viewer, expected }) => {
      const seen = view(stage, viewer);

      expect(sorted(Object.keys(seen))).toEqual(sorted(expected.keys));
      expect(seen.orderId).toBe('o-1');
      expect(seen.status).toBe(expected.status);
    },
  );

  const neverCells = STAGES.flatMap((stage) =>
    (['customer', 'supplier', 'chosenCarrier', 'losingCarrier'] as const).map((viewer) => ({ stage, viewer })),
  );
  test.each(neverCells)(
    'viewFor › $viewer at $stage › contains none of the data its role never sees',
    ({ stage, viewer }) => {
      const json = JSON.stringify(view(stage, viewer));

      expect(NEVER[viewer].filter((text) => json.includes(text))).toEqual([]);
    },
  );

  test.each(STAGES)('viewFor › seller and operator at %s › see the whole order, unknown fields included', (stage) => {
    const order = build(stage);

    expect(viewFor(order, VIEWERS.seller)).toEqual(order);
    expect(viewFor(order, VIEWERS.operator)).toEqual(order);
  });

  test('viewFor › seller and operator needing attention › see the attention reason', () => {
    expect(viewFor(build('NEEDS_ATTENTION'), VIEWERS.operator)).toMatchObject({
      attention: { reason: 'PAYMENT_UNKNOWN' },
    });
  });

  test('viewFor › a field added to the order later › is hidden from every restricted role', () => {
    const order = { ...build('IN_DELIVERY'), internalMarginMinor: 4242 } as OrderView;

    for (const viewer of ['customer', 'supplier', 'chosenCarrier', 'losingCarrier'] as const) {
      expect([viewer, JSON.stringify(viewFor(order, VIEWERS[viewer])).includes('internalMarginMinor')]).toEqual([
        viewer,
        false,
      ]);
    }
    expect(viewFor(order, VIEWERS.seller)).toMatchObject({ internalMarginMinor: 4242 });
  });

  test('viewFor › a deadline added later › is shown only to the role it concerns', () => {
    const order = build('IN_DELIVERY');
    Object.assign(order.deadlines, { deliveryMs: 4000, sellerConfirmationMs: 5000, disputeResolutionMs: 6000 });

    expect(viewFor(order, VIEWERS.customer).deadlines).toEqual({ paymentMs: 3000, deliveryMs: 4000 });
    expect(viewFor(order, VIEWERS.supplier).deadlines).toEqual({ supplierAnswerMs: 1000 });
    expect(viewFor(order, VIEWERS.chosenCarrier).deadlines).toEqual({ carrierAnswerMs: 2000, deliveryMs: 4000 });
    expect(viewFor(build('AWAITING_CARRIER'), VIEWERS.losingCarrier).deadlines).toEqual({ carrierAnswerMs: 2000 });
  });

  test('viewFor › the losing carrier after the choice › learns only that it lost, with its own quote', () => {
    expect(view('CONFIRMED', 'losingCarrier')).toEqual({
      orderId: 'o-1',
      quoteOutcome: 'NOT_SELECTED',
      quotes: [expect.objectContaining({ carrierId: LOSER, price: { amount: LOSER_PRICE, currency: 'EUR' } })],
    });
  });

  test('viewFor › a candidate carrier while quoting › sees its own quote only and itself as the only candidate', () => {
    const loser = view('AWAITING_CARRIER', 'losingCarrier');
    const winner = view('AWAITING_CARRIER', 'chosenCarrier');

    expect(loser).toMatchObject({ carrierIds: [LOSER], quoteOutcome: 'PENDING' });
    expect(loser.quotes).toEqual([expect.objectContaining({ carrierId: LOSER })]);
    expect(winner).toMatchObject({ carrierIds: [WINNER], quoteOutcome: 'AWAITING_ANSWER', quotes: [] });
    expect(winner.items).toEqual([{ sku: 'PUMP', description: 'pump', quantity: 2 }]);
    expect(winner.timeline).toEqual([
      { step: 4, name: 'TRANSPORT_INQUIRY', actor: SELLER, at: at(3), outcome: 'transport inquiry received' },
    ]);
  });

  test('viewFor › the chosen carrier › sees its quote, the shipment and a timeline without the price text', () => {
    const seen = view('IN_DELIVERY', 'chosenCarrier');

    expect(seen).toMatchObject({
      carrierId: WINNER,
      quoteOutcome: 'SELECTED',
      shipment: { events: [{ type: 'picked_up' }] },
    });
    expect(seen.quotes).toEqual([
      expect.objectContaining({ carrierId: WINNER, price: { amount: WINNER_PRICE, currency: 'EUR' } }),
    ]);
    expect(seen.timeline?.map((e) => [e.step, e.outcome])).toEqual([
      [4, 'transport inquiry received'],
      [5, 'your quote was chosen'],
      [6, 'order confirmed'],
    ]);
  });

  test('viewFor › the customer › sees its payments without decline codes or gateway references', () => {
    const seen = view('IN_DELIVERY', 'customer');

    expect(seen.payments).toEqual([
      { attempt: 1, method: 'card', brand: 'visa', last4: '9995', amount: seen.total, status: 'DECLINED', at: at(7) },
      { attempt: 2, method: 'card', brand: 'visa', last4: '4242', amount: seen.total, status: 'CAPTURED', at: at(8) },
    ]);
    expect(seen.delivery).toEqual({ carrierId: WINNER, deliveryDate: '2026-12-10' });
    expect(seen.timeline?.map((e) => [e.step, e.actor, e.outcome])).toEqual([
      [1, SELLER, 'order placed'],
      [6, SELLER, 'order confirmed'],
      [7, CUSTOMER, 'payment captured (card ending 4242)'],
    ]);
  });

  test('viewFor › the customer with an unknown payment › sees the UNKNOWN status', () => {
    expect(view('NEEDS_ATTENTION', 'customer').payments?.map((p) => p.status)).toEqual(['DECLINED', 'UNKNOWN']);
  });

  test('viewFor › the customer after a refund › sees the refund but not why the operator refunded', () => {
    const seen = view('CANCELLED', 'customer');

    expect(seen).toMatchObject({ status: 'CANCELLED', cancellationReason: 'DISPUTE_REFUNDED' });
    expect(seen.compensations?.map((c) => c.type)).toEqual(['PAYMENT_REFUNDED']);
    expect(seen.cancellationDetail).toBeUndefined();
  });

  test('viewFor › a supplier and a carrier of an order cancelled by the seller › read the reason, not the detail', () => {
    const order = cancel(orderAt('CONFIRMED'), 'CANCELLED_BY_SELLER', 'customer asked for a discount', [
      'TRANSPORT_CANCELLED',
      'RESERVATION_RELEASED',
    ]);

    for (const viewer of ['supplier', 'chosenCarrier'] as const) {
      const seen = viewFor(order, VIEWERS[viewer]);
      expect([viewer, seen.cancellationReason, seen.cancellationDetail]).toEqual([
        viewer,
        'CANCELLED_BY_SELLER',
        undefined,
      ]);
    }
    expect(viewFor(order, VIEWERS.chosenCarrier).compensations?.map((c) => c.type)).toEqual(['TRANSPORT_CANCELLED']);
    expect(viewFor(order, VIEWERS.supplier).compensations?.map((c) => c.type)).toEqual(['RESERVATION_RELEASED']);
  });

  test.each([
    ['supplier', 'PAYMENT_DEADLINE_PASSED', undefined],
    ['supplier', 'NO_CARRIER', 'NO_CARRIER'],
    ['carrier', 'DISPUTE_REFUNDED', undefined],
    ['carrier', 'CANCELLED_BY_OPERATOR', 'CANCELLED_BY_OPERATOR'],
    ['customer', 'DISPUTE_REFUNDED', 'DISPUTE_REFUNDED'],
    ['customer', 'PAYMENT_FAILED', 'PAYMENT_FAILED'],
    ['operator', 'PAYMENT_FAILED', 'PAYMENT_FAILED'],
    ['seller', 'PAYMENT_FAILED', 'PAYMENT_FAILED'],
    ['supplier', 'PAYMENT_FAILED', undefined],
    ['carrier', 'PAYMENT_FAILED', undefined],
    ['carrier', 'PAYMENT_DEADLINE_PASSED', undefined],
  ] as const)('cancellationReasonShownTo › %s and %s › is %s', (role, reason, shown) => {
    expect(cancellationReasonShownTo(role, reason)).toBe(shown);
  });

  test('viewFor › the customer who cancelled › reads its own reason back', () => {
    const order = cancel(orderAt('AWAITING_SUPPLIER'), 'CANCELLED_BY_CUSTOMER', 'ordered by mistake', []);

    expect(viewFor(order, VIEWERS.customer)).toMatchObject({
      cancellationReason: 'CANCELLED_BY_CUSTOMER',
      cancellationDetail: 'ordered by mistake',
    });
  });

  test('viewFor › the supplier › sees its reservation, the carrier and pickup date, items without prices', () => {
    const seen = view('CONFIRMED', 'supplier');

    expect(seen).toMatchObject({
      supplierAnswer: { available: true, reservationId: 'res-42', items: [{ sku: 'PUMP', quantity: 2 }] },
      delivery: { carrierId: WINNER, pickupDate: '2026-12-01' },
      items: [{ sku: 'PUMP', description: 'pump', quantity: 2 }],
    });
    expect(seen.timeline?.map((e) => [e.step, e.outcome])).toEqual([
      [1, 'order placed'],
      [2, 'order inquiry received'],
      [3, 'available, reservation res-42'],
      [6, 'order confirmed'],
    ]);
  });

  test('viewFor › a party of the right role on another order › sees only the order id', () => {
    const order = build('IN_DELIVERY');

    for (const role of ['seller', 'customer', 'supplier', 'carrier'] as const) {
      expect([role, viewFor(order, { id: 'stranger', role })]).toEqual([role, { orderId: 'o-1' }]);
    }
  });

  test.each([
    ['PLACED', undefined],
    ['AWAITING_CARRIER', 'PENDING'],
    ['CANCELLED_WHILE_QUOTING', 'NOT_SELECTED'],
    ['CONFIRMED', 'NOT_SELECTED'],
  ] as const)('quoteOutcomeOf › the losing carrier at %s › is %s', (stage, outcome) => {
    expect(quoteOutcomeOf(build(stage), LOSER)).toBe(outcome);
  });
});
