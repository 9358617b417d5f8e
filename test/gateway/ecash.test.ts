// Conformance of electronic cash over HTTP with the real bank host: a customer opens a wallet, tops it up by card (an
// authorization and a capture through the gateway worker), pays an order from it (`method: 'ecash'`), and gets a
// cancelled order's payment back into it. Two concurrent top-ups with one reference charge the card once; a declined
// card credits nothing; a balance too low declines the order's payment; only the owner and operators see a wallet.
// The bank's card balances, the wallet's entries and the ledger's wallet account agree after each.

import { randomUUID } from 'node:crypto';
import { topUpOrderId, walletAccounts } from '../../src/gateway/ecash-wallets';
import { cardAccounts } from '../../src/gateway/card-payments';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { cardAtBank, openTestCard } from '../support/bank-control';
import type { GatewayWorker } from '../support/methods-env';
import { startGatewayWorker } from '../support/methods-env';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';

const OPENING = 10_000_000;
let h: ApiHarness;
let gateway: GatewayWorker;

beforeAll(async () => {
  const queue = `gateway-test-${randomUUID()}`;
  h = await startApiHarness({
    PAYMENTS_THROUGH_GATEWAY: 'true',
    GATEWAY_TASK_QUEUE: queue,
    API_UPDATE_TIMEOUT_MS: '20000',
  });
  gateway = await startGatewayWorker(h.db, h.vault, queue);
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await h?.close();
});

const cardBody = (number: string) => ({ number, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: '123' });

async function openWallet(member: 'customer' | 'otherCustomer' = 'customer'): Promise<Json> {
  const opened = await h.api('POST', '/v1/wallets', { key: h.key(member), body: { currency: 'EUR' } });
  expect(opened.status).toBe(201);
  return opened.body;
}

async function topUp(walletId: string, number: string, amountMinor: number, reference = `ref-${randomUUID()}`) {
  return h.api('POST', `/v1/wallets/${walletId}/top-ups`, {
    key: h.key('customer'),
    body: { amountMinor, card: cardBody(number), reference },
  });
}

async function ledgerOf(orderId: string): Promise<Map<string, number>> {
  return balances(await journalsForOrder(h.db, orderId));
}

async function confirmedOrder(): Promise<Json> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const items = order.items.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity }));
  const answer = { available: true, reservationId: 'res-1', items };
  expect(
    (await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, { key: h.key('supplier'), body: answer }))
      .status,
  ).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  for (const [member, amount] of [
    ['carrierA', 9000],
    ['carrierB', 8000],
  ] as const) {
    const quote = {
      accepted: true,
      pickupDate: '2026-12-01',
      deliveryDate: '2026-12-10',
      route: 'MUC-HAM',
      method: 'road',
      price: { amount, currency: 'EUR' },
    };
    expect(
      (await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, { key: h.key(member), body: quote })).status,
    ).toBe(200);
  }
  return h.waitForStatus(order.orderId, 'CONFIRMED');
}

describe('electronic cash wallets', () => {
  it('wallet › opened and topped up by card › balance is the top-up, card charged once at the bank, ledger agrees', async () => {
    const card = await openTestCard(OPENING);
    const wallet = await openWallet();
    expect(wallet.balance).toEqual({ amount: 0, currency: 'EUR' });
    const reference = `ref-${randomUUID()}`;
    const done = await topUp(wallet.walletId, card.number, 50_000, reference);
    expect(done.status).toBe(200);
    expect([done.body.status, done.body.balance]).toEqual(['succeeded', { amount: 50_000, currency: 'EUR' }]);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - 50_000, held: 0 });
    const ledger = await ledgerOf(topUpOrderId(wallet.walletId, reference));
    expect(ledger.get(`${walletAccounts.wallet(wallet.walletId)} EUR`)).toBe(-50_000);
    expect(ledger.get(`${cardAccounts.clearing} EUR`)).toBe(50_000);
    expect(ledger.get(`${walletAccounts.float} EUR`) ?? 0).toBe(0);
    // The top-up's card messages are recorded for operators, masked.
    const messages = await h.api('GET', `/v1/payments/${done.body.paymentId}/messages`, { key: h.key('operator') });
    expect(messages.body.data.map((m: Json) => m.mti)).toEqual(['0100', '0110', '0220', '0230']);
    expect(JSON.stringify(messages.body)).not.toContain(card.number);
  });

  it('wallet › read by its owner, an operator, another customer, a seller › 200, 200, 404, 403', async () => {
    const wallet = await openWallet();
    const path = `/v1/wallets/${wallet.walletId}`;
    expect((await h.api('GET', path, { key: h.key('customer') })).status).toBe(200);
    expect((await h.api('GET', path, { key: h.key('operator') })).status).toBe(200);
    const other = await h.api('GET', path, { key: h.key('otherCustomer') });
    expect([other.status, other.body.error.code]).toEqual([404, 'wallet_not_found']);
    expect((await h.api('GET', path, { key: h.key('seller') })).status).toBe(403);
    const foreignTopUp = await h.api('POST', `${path}/top-ups`, {
      key: h.key('otherCustomer'),
      body: { amountMinor: 100, card: cardBody('4242424242424242'), reference: 'x' },
    });
    expect(foreignTopUp.status).toBe(404);
  });

  it('wallet › two concurrent top-ups with one reference › the card is charged once and the wallet credited once', async () => {
    const card = await openTestCard(OPENING);
    const wallet = await openWallet();
    const reference = `ref-${randomUUID()}`;
    const [first, second] = await Promise.all([
      topUp(wallet.walletId, card.number, 7_000, reference),
      topUp(wallet.walletId, card.number, 7_000, reference),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.paymentId).toBe(second.body.paymentId);
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING - 7_000, held: 0 });
    const read = await h.api('GET', `/v1/wallets/${wallet.walletId}`, { key: h.key('customer') });
    expect(read.body.balance.amount).toBe(7_000);
    expect(read.body.entries.map((e: Json) => [e.kind, e.amountMinor])).toEqual([['TOP_UP', 7_000]]);
  });

  it('wallet › top-up by a card without funds › 402 card_declined, nothing credited', async () => {
    const wallet = await openWallet();
    const declined = await topUp(wallet.walletId, '4000000000009995', 5_000);
    expect([declined.status, declined.body.error.code]).toEqual([402, 'card_declined']);
    const read = await h.api('GET', `/v1/wallets/${wallet.walletId}`, { key: h.key('customer') });
    expect(read.body.balance.amount).toBe(0);
  });

  it('wallet › top-up by an expired card, or a year ISO 8583 cannot carry › 402 card_declined or 400, nothing charged', async () => {
    const card = await openTestCard(OPENING);
    const wallet = await openWallet();
    const cases: Array<[number, number, string]> = [
      [new Date().getUTCFullYear() - 1, 402, 'card_declined'],
      [2000, 402, 'card_declined'],
      [1000, 400, 'parameter_invalid'],
      [2100, 400, 'parameter_invalid'],
    ];
    for (const [expYear, status, code] of cases) {
      const declined = await h.api('POST', `/v1/wallets/${wallet.walletId}/top-ups`, {
        key: h.key('customer'),
        body: { amountMinor: 5_000, card: { ...cardBody(card.number), expYear }, reference: `ref-${randomUUID()}` },
      });
      expect([expYear, declined.status, declined.body.error.code]).toEqual([expYear, status, code]);
    }
    expect(await cardAtBank(card.number)).toMatchObject({ balance: OPENING, held: 0 });
    const read = await h.api('GET', `/v1/wallets/${wallet.walletId}`, { key: h.key('customer') });
    expect(read.body.balance.amount).toBe(0);
  });

  it('ecash › order paid from the wallet, then cancelled › captured from the wallet, refunded into it', async () => {
    const card = await openTestCard(OPENING);
    const wallet = await openWallet();
    const order = await confirmedOrder();
    const total: number = order.total.amount;
    expect((await topUp(wallet.walletId, card.number, total - 1)).status).toBe(200);
    const pay = () =>
      h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, {
        key: h.key('customer'),
        body: { method: 'ecash', ecash: { walletId: wallet.walletId } },
      });
    const tooLow = await pay();
    expect([tooLow.status, tooLow.body.error.code]).toEqual([402, 'ecash_declined']);
    expect((await topUp(wallet.walletId, card.number, 1)).status).toBe(200);
    const paid = await pay();
    expect(paid.status).toBe(200);
    expect([paid.body.payment.method, paid.body.payment.status]).toEqual(['ecash', 'CAPTURED']);
    let read = await h.api('GET', `/v1/wallets/${wallet.walletId}`, { key: h.key('customer') });
    expect(read.body.balance.amount).toBe(0);
    const payment = await h.api('GET', `/v1/payments/payment-${order.orderId}-2`, { key: h.key('operator') });
    expect([payment.body.method, payment.body.status, payment.body.capturedMinor]).toEqual([
      'ecash',
      'succeeded',
      total,
    ]);
    let ledger = await ledgerOf(order.orderId);
    expect(ledger.get(`${walletAccounts.wallet(wallet.walletId)} EUR`)).toBe(total);
    expect(ledger.get(`${cardAccounts.sellerPayable(order.sellerId)} EUR`)).toBe(-total);

    const cancelled = await h.api('POST', `/v1/orders/${order.orderId}/cancel`, {
      key: h.key('customer'),
      body: { reason: 'changed my mind' },
    });
    expect(cancelled.status).toBe(200);
    await h.waitForStatus(order.orderId, 'CANCELLED');
    read = await h.api('GET', `/v1/wallets/${wallet.walletId}`, { key: h.key('customer') });
    expect(read.body.balance.amount).toBe(total);
    expect(read.body.entries.map((e: Json) => e.kind)).toEqual(['TOP_UP', 'TOP_UP', 'SPEND', 'REFUND']);
    ledger = await ledgerOf(order.orderId);
    expect(ledger.get(`${walletAccounts.wallet(wallet.walletId)} EUR`) ?? 0).toBe(0);
    expect(ledger.get(`${cardAccounts.sellerPayable(order.sellerId)} EUR`) ?? 0).toBe(0);
  });

  it("ecash › another customer's wallet, a bad IBAN, an unknown method › 404 wallet_not_found, 422 invalid_iban, 400", async () => {
    const foreign = await openWallet('otherCustomer');
    const order = await confirmedOrder();
    const path = `/v1/orders/${order.orderId}/payment-notification`;
    const stolen = await h.api('POST', path, {
      key: h.key('customer'),
      body: { method: 'ecash', ecash: { walletId: foreign.walletId } },
    });
    expect([stolen.status, stolen.body.error.code]).toEqual([404, 'wallet_not_found']);
    const badIban = await h.api('POST', path, {
      key: h.key('customer'),
      body: { method: 'echeck', echeck: { iban: 'DE00500105170000000002', accountHolder: 'Globex' } },
    });
    expect([badIban.status, badIban.body.error.code, badIban.body.error.param]).toEqual([
      422,
      'invalid_iban',
      'echeck.iban',
    ]);
    const unknown = await h.api('POST', path, { key: h.key('customer'), body: { method: 'cash', cash: {} } });
    expect(unknown.status).toBe(400);
  });
});

describe('electronic cash wallet entries', () => {
  it('wallet › thirty orders spend concurrently from a balance for one › exactly one is paid, the balance never below 0', async () => {
    const card = await openTestCard(OPENING);
    const wallet = await openWallet();
    const loaded = await topUp(wallet.walletId, card.number, 1_000);
    expect([loaded.status, loaded.body.error]).toEqual([200, undefined]);
    const sealed = h.vault.seal(JSON.stringify({ method: 'ecash', walletId: wallet.walletId }));
    const spend = (orderId: string) =>
      gateway.runtime.wallets.spend({
        orderId,
        attempt: 1,
        sellerId: 'seller-race',
        customerId: h.parties.customer.id,
        amount: { amount: 700, currency: 'EUR' },
        sealedInstrument: sealed,
      });
    const results = await Promise.all(Array.from({ length: 30 }, () => spend(`race-${randomUUID()}`)));
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(1);
    expect(results.find((r) => r.status === 'failed')?.declineCode).toBe('insufficient_funds');
    const entries = await gateway.runtime.wallets.entriesOf(wallet.walletId);
    expect(entries.map((e) => [e.seq, e.kind, e.deltaMinor, e.balanceMinor])).toEqual([
      [1, 'TOP_UP', 1_000, 1_000],
      [2, 'SPEND', -700, 300],
    ]);
  });
});
