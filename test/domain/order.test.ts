import type { CarrierQuote, OrderView, PlaceOrderInput } from '../../src/domain/order';
import {
  assertCancellation,
  assertCarrierAnswer,
  assertPaymentNotification,
  assertShipmentEvent,
  assertSupplierAnswer,
  assertValidOrder,
  chooseBestQuote,
  gatewayFee,
  initialOrderView,
  orderTotal,
} from '../../src/domain/order';

function placeOrderInput(overrides: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return {
    orderId: 'o-1',
    sellerId: 'seller-1',
    customerId: 'customer-1',
    supplierId: 'supplier-1',
    carrierIds: ['carrier-1', 'carrier-2'],
    items: [
      { sku: 'BOLT', description: 'bolts', quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } },
      { sku: 'NUT', description: 'nuts', quantity: 10, unitPrice: { amount: 15, currency: 'EUR' } },
    ],
    shipTo: { name: 'Dock 4', line1: 'Quay 1', city: 'Hamburg', postalCode: '20457', country: 'DE' },
    deadlines: {
      supplierAnswerMs: 1000,
      carrierAnswerMs: 1000,
      paymentMs: 1000,
      deliveryMs: 1000,
      sellerConfirmationMs: 1000,
      disputeResolutionMs: 1000,
    },
    placedAt: '2026-11-26T10:00:00.000Z',
    ...overrides,
  };
}

function orderAt(status: OrderView['status'], overrides: Partial<OrderView> = {}): OrderView {
  return { ...initialOrderView(placeOrderInput()), status, ...overrides };
}

function quote(carrierId: string, amount: number, deliveryDate: string, accepted = true): CarrierQuote {
  return {
    carrierId,
    accepted,
    pickupDate: '2026-12-01',
    deliveryDate,
    route: 'HAM-MUC',
    method: 'road',
    price: { amount, currency: 'EUR' },
    answeredAt: '2026-11-26T10:00:00.000Z',
  };
}

describe('order', () => {
  it('orderTotal › two lines › is the sum of quantity times unit price', () => {
    expect(orderTotal(placeOrderInput().items)).toEqual({ amount: 3 * 250 + 10 * 15, currency: 'EUR' });
  });

  it('initialOrderView › a new order › is PLACED with step 1 on its timeline', () => {
    const view = initialOrderView(placeOrderInput());
    expect(view.status).toBe('PLACED');
    expect(view.timeline).toEqual([expect.objectContaining({ step: 1, name: 'ORDER_PLACED', actor: 'seller-1' })]);
    expect(view.total.amount).toBe(900);
  });

  it('assertValidOrder › items in two currencies › is rejected with the item as param', () => {
    const input = placeOrderInput();
    const second = input.items[1];
    if (!second) throw new Error('fixture needs two items');
    second.unitPrice = { amount: 15, currency: 'USD' };
    expect(() => assertValidOrder(input)).toThrow(
      expect.objectContaining({ code: 'currency_mismatch', param: 'items.1.unitPrice.currency' }),
    );
  });

  it('assertValidOrder › a repeated sku › is rejected as duplicate_sku', () => {
    const input = placeOrderInput();
    const first = input.items[0];
    if (!first) throw new Error('fixture needs an item');
    expect(() => assertValidOrder({ ...input, items: [first, first] })).toThrow(
      expect.objectContaining({ code: 'duplicate_sku' }),
    );
  });

  it('assertValidOrder › items that cost nothing › is rejected as zero_total', () => {
    const input = placeOrderInput({
      items: [{ sku: 'FREE', description: 'sample', quantity: 1, unitPrice: { amount: 0, currency: 'EUR' } }],
    });
    expect(() => assertValidOrder(input)).toThrow(expect.objectContaining({ code: 'zero_total' }));
  });

  it('assertSupplierAnswer › another supplier › is forbidden', () => {
    expect(() =>
      assertSupplierAnswer(orderAt('AWAITING_SUPPLIER'), 'supplier-2', { available: false, items: [] }),
    ).toThrow(expect.objectContaining({ name: 'OrderForbidden' }));
  });

  it('assertSupplierAnswer › after the supplier step › is a conflict', () => {
    expect(() =>
      assertSupplierAnswer(orderAt('AWAITING_CARRIER'), 'supplier-1', { available: false, items: [] }),
    ).toThrow(expect.objectContaining({ name: 'OrderStateConflict', code: 'order_not_at_step' }));
  });

  it('assertSupplierAnswer › a reservation short of the ordered quantity › is rejected as reservation_mismatch', () => {
    const answer = {
      available: true,
      reservationId: 'r-1',
      items: [
        { sku: 'BOLT', quantity: 3 },
        { sku: 'NUT', quantity: 9 },
      ],
    };
    expect(() => assertSupplierAnswer(orderAt('AWAITING_SUPPLIER'), 'supplier-1', answer)).toThrow(
      expect.objectContaining({ code: 'reservation_mismatch' }),
    );
  });

  it('assertSupplierAnswer › an exact reservation › is accepted', () => {
    const answer = {
      available: true,
      reservationId: 'r-1',
      items: [
        { sku: 'BOLT', quantity: 3 },
        { sku: 'NUT', quantity: 10 },
      ],
    };
    expect(() => assertSupplierAnswer(orderAt('AWAITING_SUPPLIER'), 'supplier-1', answer)).not.toThrow();
  });

  it('assertCarrierAnswer › a carrier that is not a candidate › is forbidden', () => {
    expect(() => assertCarrierAnswer(orderAt('AWAITING_CARRIER'), 'carrier-9', { accepted: false })).toThrow(
      expect.objectContaining({ name: 'OrderForbidden' }),
    );
  });

  it('assertCarrierAnswer › a second answer from one carrier › is a conflict', () => {
    const order = orderAt('AWAITING_CARRIER', { quotes: [quote('carrier-1', 100, '2026-12-02')] });
    expect(() => assertCarrierAnswer(order, 'carrier-1', { accepted: false })).toThrow(
      expect.objectContaining({ code: 'already_answered' }),
    );
  });

  it('assertCarrierAnswer › delivery before pickup › is rejected as invalid_date', () => {
    const answer = { ...quote('carrier-1', 100, '2026-11-30'), pickupDate: '2026-12-01' };
    expect(() => assertCarrierAnswer(orderAt('AWAITING_CARRIER'), 'carrier-1', answer)).toThrow(
      expect.objectContaining({ code: 'invalid_date', param: 'deliveryDate' }),
    );
  });

  it('assertCarrierAnswer › a price in another currency › is rejected', () => {
    const answer = { ...quote('carrier-1', 100, '2026-12-03'), price: { amount: 100, currency: 'USD' } };
    expect(() => assertCarrierAnswer(orderAt('AWAITING_CARRIER'), 'carrier-1', answer)).toThrow(
      expect.objectContaining({ code: 'currency_mismatch' }),
    );
  });

  it('chooseBestQuote › several acceptances › picks the lowest price', () => {
    const best = chooseBestQuote({ carrierIds: ['a', 'b', 'c'] }, [
      quote('a', 500, '2026-12-02'),
      quote('b', 400, '2026-12-05'),
      quote('c', 300, '2026-12-01', false),
    ]);
    expect(best?.carrierId).toBe('b');
  });

  it('chooseBestQuote › equal prices › the earlier delivery date wins', () => {
    const best = chooseBestQuote({ carrierIds: ['a', 'b'] }, [
      quote('a', 400, '2026-12-05'),
      quote('b', 400, '2026-12-03'),
    ]);
    expect(best?.carrierId).toBe('b');
  });

  it('chooseBestQuote › only declines › has no winner', () => {
    expect(chooseBestQuote({ carrierIds: ['a'] }, [quote('a', 400, '2026-12-05', false)])).toBeUndefined();
  });

  it('assertShipmentEvent › in_transit before picked_up › is a conflict', () => {
    const order = orderAt('CONFIRMED', { carrierId: 'carrier-1' });
    expect(() => assertShipmentEvent(order, 'carrier-1', 'in_transit')).toThrow(
      expect.objectContaining({ code: 'shipment_out_of_order' }),
    );
  });

  it('assertShipmentEvent › a repeated event › is a conflict', () => {
    const order = orderAt('IN_DELIVERY', {
      carrierId: 'carrier-1',
      shipment: { events: [{ type: 'picked_up', at: 'x' }] },
    });
    expect(() => assertShipmentEvent(order, 'carrier-1', 'picked_up')).toThrow(
      expect.objectContaining({ code: 'already_reported' }),
    );
  });

  it('assertShipmentEvent › a carrier that lost the quote › is forbidden', () => {
    const order = orderAt('CONFIRMED', { carrierId: 'carrier-1' });
    expect(() => assertShipmentEvent(order, 'carrier-2', 'picked_up')).toThrow(
      expect.objectContaining({ name: 'OrderForbidden' }),
    );
  });

  it('assertPaymentNotification › an order already paid › is a conflict', () => {
    const order = orderAt('CONFIRMED', {
      payments: [
        {
          attempt: 1,
          method: 'card',
          brand: 'visa',
          last4: '4242',
          amount: { amount: 900, currency: 'EUR' },
          status: 'CAPTURED',
          at: 'x',
        },
      ],
    });
    expect(() => assertPaymentNotification(order, 'customer-1')).toThrow(
      expect.objectContaining({ code: 'already_paid' }),
    );
  });

  it('assertCancellation › after pickup › is a conflict', () => {
    const order = orderAt('IN_DELIVERY', {
      carrierId: 'carrier-1',
      shipment: { events: [{ type: 'picked_up', at: 'x' }] },
    });
    expect(() => assertCancellation(order, { partyId: 'customer-1', role: 'customer' })).toThrow(
      expect.objectContaining({ code: 'already_picked_up' }),
    );
  });

  it('assertCancellation › by the supplier › is forbidden', () => {
    expect(() => assertCancellation(orderAt('AWAITING_SUPPLIER'), { partyId: 'supplier-1', role: 'supplier' })).toThrow(
      expect.objectContaining({ name: 'OrderForbidden' }),
    );
  });

  it('gatewayFee › 1.5 % plus 25 on 10 000 › is 175', () => {
    expect(gatewayFee({ amount: 10_000, currency: 'EUR' }, 150, 25)).toEqual({ amount: 175, currency: 'EUR' });
  });

  it('gatewayFee › a half minor unit › rounds half up', () => {
    expect(gatewayFee({ amount: 100, currency: 'EUR' }, 50, 0).amount).toBe(1);
  });

  it('gatewayFee › a fee above a tiny amount › is capped at the amount', () => {
    expect(gatewayFee({ amount: 10, currency: 'EUR' }, 150, 25).amount).toBe(10);
  });
});
