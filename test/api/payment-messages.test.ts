// GET /v1/payments/:id and /v1/payments/:id/messages: operators read a payment's ISO 8583 exchange as recorded
// (masked); other roles are refused, an unknown payment is 404.

import { isoMessage } from '../../src/iso8583';
import { BankMessageLog } from '../../src/gateway/bank-connector/message-log';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { GATEWAY_PAYMENTS } from '../../src/gateway/card-payments';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;
const paymentId = 'payment-ord-msg-1';
const rrn = rrnFor(`${paymentId}:authorization`);

beforeAll(async () => {
  h = await startApiHarness();
  await h.db.connection.collection(GATEWAY_PAYMENTS).insertOne({
    _id: paymentId,
    paymentId,
    orderId: 'ord-msg',
    attempt: 1,
    sellerId: 'seller-x',
    status: 'requires_capture',
    captureMode: 'at_delivery',
    amount: { amount: 1_000, currency: 'EUR' },
    authorizedMinor: 1_000,
    capturedMinor: 0,
    refundedMinor: 0,
    last4: '4242',
    refunds: [],
  } as never);
  const log = new BankMessageLog(h.db.connection);
  log.record('out', isoMessage('0100', { 2: '4242424242424242', 11: '000001', 37: rrn, 61: '123' }), true);
  log.record('in', isoMessage('0110', { 11: '000001', 37: rrn, 39: '00' }), true);
  log.record('in', isoMessage('0110', { 11: '000001', 37: rrn, 39: '00' }), false);
  await log.flush();
});

afterAll(async () => {
  await h?.close();
});

describe('payment messages', () => {
  it('payment messages › as an operator › every message in order, PAN masked, CVC never', async () => {
    const response = await h.api('GET', `/v1/payments/${paymentId}/messages`, { key: h.key('operator') });
    expect(response.status).toBe(200);
    const data = response.body.data as {
      direction: string;
      mti: string;
      matched: boolean;
      fields: Record<string, string>;
    }[];
    expect(data.map((m) => [m.direction, m.mti, m.matched])).toEqual([
      ['out', '0100', true],
      ['in', '0110', true],
      ['in', '0110', false],
    ]);
    expect(data[0]!.fields['2']).toBe('424242******4242');
    expect(data[0]!.fields['61']).toBe('[masked]');
    expect(JSON.stringify(response.body)).not.toContain('4242424242424242');
  });

  it('payment messages › the payment itself › its status and amounts', async () => {
    const response = await h.api('GET', `/v1/payments/${paymentId}`, { key: h.key('operator') });
    expect([response.status, response.body.status, response.body.authorizedMinor]).toEqual([
      200,
      'requires_capture',
      1_000,
    ]);
  });

  it('payment messages › as the seller or the customer › 403', async () => {
    for (const member of ['seller', 'customer'] as const) {
      const response = await h.api('GET', `/v1/payments/${paymentId}/messages`, { key: h.key(member) });
      expect([member, response.status]).toEqual([member, 403]);
    }
  });

  it('payment messages › an unknown payment › 404 payment_not_found', async () => {
    const response = await h.api('GET', '/v1/payments/payment-none-1/messages', { key: h.key('operator') });
    expect([response.status, response.body.error.code]).toEqual([404, 'payment_not_found']);
  });
});
