// A bank that answers a whole message with one group status and no transaction detail (`OrgnlGrpInfAndSts` alone,
// as many banks send their immediate pacs.002): on the real bank host, through a proxy on a real socket that takes
// the `TxInfAndSts` out of its answers. A settlement cut-off's payouts are then accepted by the group's ACSP and
// followed to the bank's settlement (each seller's account credited with its net, its lines paid); before, a payout
// the report did not name stayed PENDING for good (its journals booked, its lines neither paid nor given back). An
// e-check whose debit the bank rejects at the group level (RJCT, no detail) is declined, not left processing.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { DEFAULT_GATEWAY_SETTINGS } from '../../src/gateway/gateway-runtime';
import { EcheckPayments } from '../../src/gateway/echeck-payments';
import { SettlementBatches } from '../../src/gateway/settlement/settlement-batches';
import { settlementCollections } from '../../src/gateway/settlement/settlement-store';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { Vault, generateVaultKey } from '../../src/security/vault';
import { balanceAtBank, expectValidDocuments, sellerWithPayoutAccount } from '../support/methods-env';
import { uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;
let proxy: http.Server;
let proxyUrl: string;
const vault = new Vault(generateVaultKey());
/** The immediate pacs.002 answers as the gateway got them from the proxy (group status only). */
const answers: string[] = [];

/** The bank's answer to a posted message with every transaction's status taken out: the group status alone. */
function groupStatusOnly(xml: string): string {
  return xml.replace(/<TxInfAndSts>[\s\S]*?<\/TxInfAndSts>\s*/g, '');
}

beforeAll(async () => {
  db = await connectDatabase(uniqueDatabaseUri(process.env.MONGODB_URI!, 'settleflow_group_status'));
  const bankUrl = process.env.BANK_HOST_ISO20022_URL;
  if (!bankUrl) throw new Error('BANK_HOST_ISO20022_URL is not set: run the tests through jest');
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void fetch(`${bankUrl}${req.url ?? '/'}`, {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/xml',
        },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
      }).then(
        async (answer) => {
          let text = await answer.text();
          if (req.method === 'POST' && req.url === '/iso20022/messages' && answer.status === 200) {
            text = groupStatusOnly(text);
            answers.push(text);
          }
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await db?.connection.dropDatabase();
  await db?.close();
});

/** A seller with a payout account at the bank host (EUR balance 0) and the gateway's record of it. */
function seller(): Promise<{ sellerId: string; accountId: string }> {
  return sellerWithPayoutAccount(db, vault);
}

/** A captured card payment of `grossMinor` EUR and its order's settlement request, as the gateway stores them. */
async function capturedPayment(sellerId: string, grossMinor: number): Promise<void> {
  const orderId = `gs-${randomUUID()}`;
  const paymentId = `payment-${orderId}-1`;
  const connection = db.connection as Connection;
  await connection.collection('gateway_payments').insertOne({
    _id: paymentId as never,
    orderId,
    sellerId,
    method: 'card',
    status: 'succeeded',
    amount: { amount: grossMinor, currency: 'EUR' },
    capturedMinor: grossMinor,
    refundedMinor: 0,
  });
  await connection.collection('settlement_requests').insertOne({
    _id: paymentId as never,
    orderId,
    orderWorkflowId: `order-${orderId}`,
    sellerId,
    currency: 'EUR',
    requestedAt: new Date(Date.now() - 60_000),
    open: true,
  });
}

describe('a bank that answers with a group status alone', () => {
  test('settlement cut-off › pacs.002 ACSP without transactions › payouts accepted, then paid: each seller credited with its net', async () => {
    const first = await seller();
    const second = await seller();
    await capturedPayment(first.sellerId, 10_000);
    await capturedPayment(second.sellerId, 20_000);
    const batches = new SettlementBatches(db, vault, {
      iso20022Url: proxyUrl,
      iso20022Token: process.env.BANK_HOST_ISO20022_TOKEN,
      debtorIban: DEFAULT_GATEWAY_SETTINGS.echeck.creditorIban,
      bankBic: DEFAULT_GATEWAY_SETTINGS.echeck.bankBic,
      requestTimeoutMs: 5_000,
      defaultFee: { bps: 150, fixedMinor: 25 },
    });
    await batches.ensureIndexes();
    const cutoffAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const { batchId } = await batches.open({ cutoffAt, workflowId: `settlement-cutoff-${cutoffAt}` });
    for (let afterId = ''; ;) {
      const page = await batches.claimPage({ batchId, afterId, limit: 100 });
      afterId = page.lastId;
      if (page.done) break;
    }
    await batches.price(batchId);
    answers.length = 0;
    await batches.send(batchId);

    const { batches: batchRecords, lines } = settlementCollections(db);
    const statusOf = async () =>
      Object.fromEntries(
        ((await batchRecords.findOne({ _id: batchId }))?.payouts ?? []).map((p) => [p.sellerId, p.status]),
      );
    // The bank named no transaction: its group status (ACSP) holds for both.
    expect(answers).toHaveLength(1);
    expect(answers[0]).toContain('<GrpSts>ACSP</GrpSts>');
    expect(answers[0]).not.toContain('TxInfAndSts');
    expect(await expectValidDocuments([{ message: 'pacs.002.001.11', xml: answers[0]! }])).toEqual(['pacs.002.001.11']);
    expect(await statusOf()).toEqual({ [first.sellerId]: 'ACCEPTED', [second.sellerId]: 'ACCEPTED' });

    // Followed to the bank's settlement (its reports pass the proxy as they are), within the bank's clearing period.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await batches.follow(batchId);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'outcome_unknown' || attempt >= 30) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    expect(await statusOf()).toEqual({ [first.sellerId]: 'PAID', [second.sellerId]: 'PAID' });
    await batches.complete(batchId);

    // 150 bps + 0.25 EUR: 10,000 → 175 fee, 9,825 net; 20,000 → 325 fee, 19,675 net.
    expect(await balanceAtBank(first.accountId)).toBe(9_825);
    expect(await balanceAtBank(second.accountId)).toBe(19_675);
    const lineStatuses = (await lines.find({ batchId }).toArray()).map((line) => [line.sellerId, line.status]).sort();
    expect(lineStatuses).toEqual(
      [
        [first.sellerId, 'PAID'],
        [second.sellerId, 'PAID'],
      ].sort(),
    );
    expect((await batchRecords.findOne({ _id: batchId }))?.status).toBe('COMPLETED');
  });

  test('e-check › the debit rejected by a group RJCT without transactions › declined, not left processing', async () => {
    const echecks = new EcheckPayments(db, vault, {
      ...DEFAULT_GATEWAY_SETTINGS.echeck,
      iso20022Url: proxyUrl,
      iso20022Token: process.env.BANK_HOST_ISO20022_TOKEN,
      clearingMs: 1_000,
      requestTimeoutMs: 5_000,
    });
    const orderId = `gs-${randomUUID()}`;
    answers.length = 0;
    // An account the bank does not hold: the bank rejects the only transaction (AC01), so the whole message (RJCT).
    const unknownIban = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
    const { summary } = await echecks.submit({
      orderId,
      attempt: 1,
      sellerId: 'seller-gs',
      customerId: 'customer-gs',
      amount: { amount: 4_200, currency: 'EUR' },
      sealedInstrument: vault.seal(JSON.stringify({ method: 'echeck', iban: unknownIban, accountHolder: 'Nobody' })),
    });

    expect(answers).toHaveLength(1);
    expect(answers[0]).toContain('<GrpSts>RJCT</GrpSts>');
    expect(answers[0]).not.toContain('TxInfAndSts');
    // The group's status without a reason: declined as RJCT (the bank's own answer named AC01 on the transaction).
    expect([summary.status, (await echecks.find(`payment-${orderId}-1`))?.declineCode]).toEqual(['failed', 'RJCT']);
  });
});
