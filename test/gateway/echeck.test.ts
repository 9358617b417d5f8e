// Conformance of electronic checks through the real bank host: the order's payment notification names `echeck`, the
// gateway's child workflow sends a pacs.003 direct debit, the payment stays `processing` through the clearing period
// and then settles (ACSC) or comes back (pacs.004: AM04, AC04, MD06), which fails the attempt and leaves the order
// open for another payment; a cancelled order's e-check is refunded by a pacs.008 credit transfer. After each, the
// bank host's balances of the named accounts and settleflow's ledger agree, and every ISO 20022 document the gateway
// sent or received validates against the official XSD.

import { cancelOrderUpdate, orderStatusQuery, paymentNotificationUpdate } from '../../src/contracts/order-contract';
import type { OrderView } from '../../src/domain/order';
import { cardAccounts } from '../../src/gateway/card-payments';
import { iso20022MessagesOf } from '../../src/gateway/echeck-payments';
import { balances, journalsForOrder } from '../../src/persistence/ledger-store';
import { bankHostEnv } from '../support/bank-control';
import type { GatewayEnv } from '../support/methods-env';
import {
  SETTLEMENT_ACCOUNT,
  balanceAtBank,
  confirmedOrder,
  expectValidDocuments,
  openCurrentAccount,
  startGatewayEnv,
} from '../support/methods-env';

const TOTAL = 29_950;
let rig: GatewayEnv;

beforeAll(async () => {
  rig = await startGatewayEnv();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

function echeck(customerId: string, iban: string) {
  return {
    customerId,
    payment: {
      method: 'echeck' as const,
      sealedCard: rig.env.vault.seal(JSON.stringify({ method: 'echeck', iban, accountHolder: 'Globex Corporation' })),
      brand: 'echeck',
      last4: iban.slice(-4),
    },
  };
}

/** What the bank's entries of one ISO 20022 message moved on the gateway's settlement account. */
async function settlementEffect(messageId: string): Promise<number> {
  const { controlUrl, adminToken } = bankHostEnv();
  const response = await fetch(`${controlUrl}/v1/transactions?messageId=${encodeURIComponent(messageId)}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const { transactions } = (await response.json()) as {
    transactions: { effects: { accountId: string; delta: number }[] }[];
  };
  return transactions
    .flatMap((entry) => entry.effects)
    .filter((effect) => effect.accountId === SETTLEMENT_ACCOUNT)
    .reduce((sum, effect) => sum + effect.delta, 0);
}

async function ledgerOf(orderId: string): Promise<Map<string, number>> {
  return balances(await journalsForOrder(rig.env.db, orderId));
}

describe('electronic check through the bank host', () => {
  it('echeck › funded account › processing through clearing, then succeeded; the money moved once at the bank', async () => {
    const customer = await openCurrentAccount(100_000);
    const { handle, input } = await confirmedOrder(rig);
    const start = rig.documents.length;
    const paying = handle.executeUpdate(paymentNotificationUpdate, { args: [echeck(input.customerId, customer.iban)] });
    const paymentId = `payment-${input.orderId}-1`;
    // While the bank clears it, the payment is `processing` (seen at least once before it settles).
    let seenProcessing = false;
    for (let i = 0; i < 200 && !seenProcessing; i += 1) {
      const payment = await rig.runtime.echecks.find(paymentId);
      if (payment?.status === 'succeeded') break;
      seenProcessing = payment?.status === 'processing';
      if (!seenProcessing) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seenProcessing).toBe(true);
    const result = await paying;
    expect([result.payment.method, result.payment.status, result.payment.last4]).toEqual([
      'echeck',
      'CAPTURED',
      customer.iban.slice(-4),
    ]);
    const payment = await rig.runtime.echecks.find(paymentId);
    expect([payment?.status, payment?.capturedMinor, payment?.method]).toEqual(['succeeded', TOTAL, 'echeck']);
    expect(await balanceAtBank(customer.id)).toBe(100_000 - TOTAL);
    expect(await settlementEffect(payment!.directDebit!.messageId)).toBe(TOTAL);
    const ledger = await ledgerOf(input.orderId);
    expect(ledger.get(`${cardAccounts.clearing} EUR`)).toBe(TOTAL);
    expect(ledger.get(`${cardAccounts.sellerPayable(input.sellerId)} EUR`)).toBe(-TOTAL);
    expect(await expectValidDocuments(rig.documents.slice(start))).toEqual([
      'pacs.003.001.08',
      'pacs.002.001.11',
      'pacs.002.001.11',
    ]);
    // Recorded for operators, IBANs masked.
    const recorded = await iso20022MessagesOf(rig.env.db, paymentId);
    expect(recorded.map((m) => [m.direction, m.message, m.status])).toEqual([
      ['out', 'pacs.003.001.08', undefined],
      ['in', 'pacs.002.001.11', 'ACSP'],
      ['in', 'pacs.002.001.11', 'ACSC'],
    ]);
    expect(recorded.map((m) => m.xml).join('')).not.toContain(customer.iban);
    const view = await handle.query(orderStatusQuery);
    expect(view.payments.map((p) => [p.method, p.status])).toEqual([['echeck', 'CAPTURED']]);
  });

  it.each([
    ['AM04', 0, undefined],
    ['AC04', 100_000, 'AC04'],
    ['MD06', 100_000, 'MD06'],
  ])(
    'echeck › returned %s › the attempt fails with the reason, the order stays open and a second e-check pays it',
    async (reason, opening, returnReason) => {
      const bounced = await openCurrentAccount(opening, returnReason);
      const good = await openCurrentAccount(100_000);
      const { handle, input } = await confirmedOrder(rig);
      const start = rig.documents.length;
      const returned = await handle.executeUpdate(paymentNotificationUpdate, {
        args: [echeck(input.customerId, bounced.iban)],
      });
      expect([returned.payment.status, returned.payment.declineCode]).toEqual(['DECLINED', reason]);
      const failed = await rig.runtime.echecks.find(`payment-${input.orderId}-1`);
      expect([failed?.status, failed?.declineCode, failed?.capturedMinor]).toEqual(['failed', reason, 0]);
      expect(await balanceAtBank(bounced.id)).toBe(opening);
      expect(await ledgerOf(input.orderId)).toEqual(new Map());
      const messages = await expectValidDocuments(rig.documents.slice(start));
      expect(messages).toEqual(['pacs.003.001.08', 'pacs.002.001.11', 'pacs.004.001.10']);

      const paid = await handle.executeUpdate(paymentNotificationUpdate, {
        args: [echeck(input.customerId, good.iban)],
      });
      expect(paid.payment.status).toBe('CAPTURED');
      expect(await balanceAtBank(good.id)).toBe(100_000 - TOTAL);
      expect((await ledgerOf(input.orderId)).get(`${cardAccounts.clearing} EUR`)).toBe(TOTAL);
    },
  );

  it('echeck › unknown account › rejected at once (RJCT AC01), nothing moves', async () => {
    const { handle, input } = await confirmedOrder(rig);
    const result = await handle.executeUpdate(paymentNotificationUpdate, {
      args: [echeck(input.customerId, 'DE89370400440532013000')],
    });
    expect([result.payment.status, result.payment.declineCode]).toEqual(['DECLINED', 'AC01']);
    expect((await rig.runtime.echecks.find(`payment-${input.orderId}-1`))?.status).toBe('failed');
  });

  it('echeck › order cancelled after it settled › refunded by a pacs.008 credit transfer, books back to zero', async () => {
    const customer = await openCurrentAccount(100_000);
    const { handle, input } = await confirmedOrder(rig);
    await handle.executeUpdate(paymentNotificationUpdate, { args: [echeck(input.customerId, customer.iban)] });
    const start = rig.documents.length;
    await handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: input.customerId, role: 'customer' }, reason: 'changed my mind' }],
    });
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('CANCELLED');
    expect(view.compensations.map((c) => c.type)).toContain('PAYMENT_REFUNDED');
    const payment = await rig.runtime.echecks.find(`payment-${input.orderId}-1`);
    expect([payment?.status, payment?.refundedMinor]).toEqual(['refunded', TOTAL]);
    expect(await balanceAtBank(customer.id)).toBe(100_000);
    // The settlement account took the debit in and paid the refund out (other tests move it meanwhile: by message).
    expect(await settlementEffect(payment!.directDebit!.messageId)).toBe(TOTAL);
    expect(await settlementEffect(payment!.refunds[0]!.reference)).toBe(-TOTAL);
    const ledger = await ledgerOf(input.orderId);
    expect(ledger.get(`${cardAccounts.clearing} EUR`) ?? 0).toBe(0);
    expect(ledger.get(`${cardAccounts.sellerPayable(input.sellerId)} EUR`) ?? 0).toBe(0);
    expect(await expectValidDocuments(rig.documents.slice(start))).toEqual([
      'pacs.008.001.09',
      'pacs.002.001.11',
      'pacs.002.001.11',
    ]);
  });
});
