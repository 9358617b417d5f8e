// How settlement and reconciliation read a day at scale (issue 9 F), on the real database: an `_id` equality and an
// `$in` of ids reach the `_id` index (on settleflow's FerretDB build too), so lookups go 500 ids to a query; a claim
// page larger than a chunk claims every due payment once, in chunks, and two cut-offs claiming the same requests at
// once put each payment in exactly one batch; pricing counts the lines exactly.

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { SettlementBatches } from '../../src/gateway/settlement/settlement-batches';
import { settlementCollections } from '../../src/gateway/settlement/settlement-store';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { spillDatabaseName } from '../../src/persistence/spill-store';
import { ID_QUERIES_IN_FLIGHT, IDS_PER_QUERY, findByIds, updateByIds } from '../../src/persistence/by-ids';
import { Vault, generateVaultKey } from '../../src/security/vault';
import { uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;

beforeAll(async () => {
  db = await connectDatabase(uniqueDatabaseUri(process.env.MONGODB_URI!, 'settleflow_claim_chunks'));
});

afterAll(async () => {
  await db?.connection.useDb(spillDatabaseName(db.connection)).dropDatabase();
  await db?.connection.dropDatabase();
  await db?.close();
});

function batchesAt(): SettlementBatches {
  return new SettlementBatches(db, new Vault(generateVaultKey()), {
    iso20022Url: 'http://127.0.0.1:1',
    debtorIban: 'DE89370400440532013000',
    bankBic: 'SFBKDEFFXXX',
    requestTimeoutMs: 1_000,
    defaultFee: { bps: 150, fixedMinor: 25 },
  });
}

/** Seeds `count` payments of one day and their settlement requests; every 10th failed, every 7th settled per order. */
async function seedDay(count: number): Promise<{ prefix: string; due: number }> {
  const prefix = `chunk-${randomUUID().slice(0, 8)}`;
  const payments = [];
  const requests = [];
  const legacy = [];
  let due = 0;
  for (let i = 0; i < count; i += 1) {
    const paymentId = `payment-${prefix}-${String(i).padStart(5, '0')}-1`;
    const orderId = `${prefix}-${i}`;
    const failed = i % 10 === 0;
    const settledPerOrder = !failed && i % 7 === 0;
    if (!failed && !settledPerOrder) due += 1;
    payments.push({
      _id: paymentId,
      orderId,
      sellerId: `seller-${i % 3}`,
      status: failed ? 'failed' : 'succeeded',
      amount: { amount: 1_000 + i, currency: 'EUR' },
      capturedMinor: failed ? 0 : 1_000 + i,
      refundedMinor: 0,
    });
    requests.push({
      _id: paymentId,
      orderId,
      orderWorkflowId: `order-${orderId}`,
      sellerId: `seller-${i % 3}`,
      currency: 'EUR',
      requestedAt: new Date('2026-11-20T10:00:00Z'),
      open: true,
    });
    if (settledPerOrder)
      legacy.push({ _id: `${orderId}:settlement`, orderId, kind: 'SETTLEMENT', legs: [], at: new Date() });
  }
  const connection = db.connection as Connection;
  await connection.collection('gateway_payments').insertMany(payments as never[]);
  await connection.collection('settlement_requests').insertMany(requests as never[]);
  await connection.collection('ledger_journals').insertMany(legacy as never[]);
  return { prefix, due };
}

describe('bounded lookups', () => {
  test('find-by-ids › 2,301 ids with repeats › queries of at most 500 ids, at most 4 at once, found ones in order', async () => {
    const ids = Array.from({ length: 2_301 }, (_, i) => `id-${i % 2_101}`);
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const found = await findByIds(ids, async (chunk) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      sizes.push(chunk.length);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      // Answered out of order, the odd ones missing.
      return chunk
        .filter((id) => Number(id.slice(3)) % 2 === 0)
        .reverse()
        .map((id) => ({ _id: id }));
    });
    expect(IDS_PER_QUERY).toBe(500);
    expect(sizes.sort((a, b) => b - a)).toEqual([500, 500, 500, 500, 101]);
    expect(most).toBe(ID_QUERIES_IN_FLIGHT);
    expect(found.map((doc) => doc._id)).toEqual(
      Array.from({ length: 2_101 }, (_, i) => `id-${i}`).filter((_, i) => i % 2 === 0),
    );
    // On the database: a lookup of 1,200 ids, some missing, answers the ones there.
    const connection = db.connection as Connection;
    const docs = Array.from({ length: 1_000 }, (_, i) => ({ _id: `byids-${i}`, n: i }));
    await connection.collection('byids_probe').insertMany(docs as never[]);
    const wanted = Array.from({ length: 1_200 }, (_, i) => `byids-${1_199 - i}`);
    const read = await findByIds(wanted, (chunk) =>
      connection
        .collection<{ _id: string; n: number }>('byids_probe')
        .find({ _id: { $in: chunk } })
        .toArray(),
    );
    expect(read.map((doc) => doc.n)).toEqual(Array.from({ length: 1_000 }, (_, i) => 999 - i));
  });

  test('update-by-ids › 1,100 documents marked while a cursor reads them › all marked, 500 ids to a statement', async () => {
    const connection = db.connection as Connection;
    const probe = connection.collection<{ _id: string; state: string }>('byids_update_probe');
    await probe.insertMany(Array.from({ length: 1_100 }, (_, i) => ({ _id: `u-${i}`, state: 'OPEN' })));
    const statements: number[] = [];
    const batch: string[] = [];
    const flush = () =>
      updateByIds(batch.splice(0), (chunk) => {
        statements.push(chunk.length);
        return probe.updateMany({ _id: { $in: chunk } }, { $set: { state: 'DONE' } });
      });
    // As settlement's completion does: the cursor stays open while its batches are written (FerretDB 1.24 waited for
    // good on one command of 500 update statements here).
    for await (const document of probe.find({ state: 'OPEN' }).batchSize(500)) {
      batch.push(document._id);
      if (batch.length >= 500) await flush();
    }
    await flush();
    expect(statements).toEqual([500, 500, 100]);
    expect(await probe.countDocuments({ state: 'DONE' })).toBe(1_100);
  }, 60_000);

  test('query plans › an _id equality, an $in of ids, an _id with other conditions › all use the _id index', async () => {
    const connection = db.connection as Connection;
    await connection.collection('gateway_payments').insertOne({ _id: 'plan-probe', status: 'CAPTURED' } as never);
    const explain = (filter: object) =>
      connection.db!.command({ explain: { find: 'gateway_payments', filter }, verbosity: 'queryPlanner' });
    const equality = await explain({ _id: 'plan-probe' });
    const inList = await explain({ _id: { $in: ['plan-probe', 'other'] } });
    const compound = await explain({ _id: 'plan-probe', status: 'CAPTURED' });
    if ('filterPushdown' in equality) {
      // FerretDB 1.24 (SQLite) with settleflow's patch (scripts/lib/provision.js): each reaches the `_id` index; the
      // filter is pushed down whole when it is all about `_id`; other conditions are checked on what the index finds.
      expect([equality.filterPushdown, inList.filterPushdown, compound.filterPushdown]).toEqual([true, true, false]);
      for (const plan of [equality, inList, compound]) {
        expect(JSON.stringify(plan.queryPlanner)).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      }
    } else {
      // MongoDB: all use the `_id` index.
      for (const plan of [equality, inList, compound])
        expect(JSON.stringify(plan.queryPlanner)).not.toContain('COLLSCAN');
    }
    // And they still answer what the whole filter says.
    const payments = connection.collection('gateway_payments');
    expect(
      await Promise.all([
        payments.countDocuments({ _id: 'plan-probe', status: 'CAPTURED' } as never),
        payments.countDocuments({ _id: 'plan-probe', status: 'VOIDED' } as never),
        payments.countDocuments({ _id: { $in: ['plan-probe', 'other'] } } as never),
      ]),
    ).toEqual([1, 0, 1]);
  });
});

describe('settlement claims in chunks', () => {
  test('settlement batches › 1,200 requests, a page limit of 100 › one call claims every due payment once (chunks of 500)', async () => {
    const { prefix, due } = await seedDay(1_200);
    const batches = batchesAt();
    const cutoffAt = '2026-11-21T00:00:00.000Z';
    const opened = await batches.open({ cutoffAt, workflowId: `settlement-cutoff-${cutoffAt}` });
    // One unsorted pass, whatever the page limit a workflow started before passes (a page sorted by _id cost FerretDB
    // a sort of every open request).
    const c = settlementCollections(db);
    // What a claim attempt that died left in the spool.
    await c.spool.insertOne({ _id: `${opened.batchId}:claim:dead:0`, owner: `${opened.batchId}:claim`, records: '[]' });
    const page = await batches.claimPage({ batchId: opened.batchId, afterId: `payment-${prefix}`, limit: 100 });
    expect(page).toMatchObject({ done: true, claimed: due });
    // The ids it read first are gone with the dead attempt's. The spool is in `<database>_spill` (another SQLite file
    // on FerretDB, so that what the claim writes there is not held in the log of the database its cursor reads).
    expect(await c.spool.countDocuments({})).toBe(0);
    expect(c.spool.conn.name).toBe(`${db.connection.name}_spill`);
    const mainCollections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
    expect(mainCollections.map((collection) => collection.name)).not.toContain('settlement_spool');
    const lines = await c.lines.find({ batchId: opened.batchId }).toArray();
    expect(lines).toHaveLength(due);
    expect(new Set(lines.map((line) => line.paymentId)).size).toBe(due);
    expect(lines.find((line) => line.paymentId === `payment-${prefix}-00001-1`)).toMatchObject({
      grossMinor: 1_001,
      feeMinor: 40, // round_half_up(1001 × 150 / 10 000) = 15, + 25
      netMinor: 961,
      sellerId: 'seller-1',
    });
    // Failed and settled-per-order requests are closed without a line; claimed ones are closed too.
    expect(await c.requests.countDocuments({ _id: { $regex: `^payment-${prefix}-` }, open: true })).toBe(0);
    // The same page again (a retried activity) writes nothing more.
    const again = await batches.claimPage({ batchId: opened.batchId, afterId: `payment-${prefix}`, limit: 5_000 });
    expect(again.claimed).toBe(0);
    expect(await c.lines.countDocuments({ batchId: opened.batchId })).toBe(due);
    const priced = await batches.price(opened.batchId);
    expect(priced.lineCount).toBe(due);
  });

  test('settlement batches › two cut-offs claim the same 1,100 requests at once › each payment in exactly one batch', async () => {
    const { prefix, due } = await seedDay(1_100);
    const first = batchesAt();
    const second = batchesAt();
    const cutoffs = ['2026-11-21T01:00:00.000Z', '2026-11-21T02:00:00.000Z'];
    const [a, b] = await Promise.all(
      cutoffs.map((cutoffAt, i) =>
        (i === 0 ? first : second).open({ cutoffAt, workflowId: `settlement-cutoff-${cutoffAt}` }),
      ),
    );
    const [pageA, pageB] = await Promise.all([
      first.claimPage({ batchId: a!.batchId, afterId: `payment-${prefix}`, limit: 5_000 }),
      second.claimPage({ batchId: b!.batchId, afterId: `payment-${prefix}`, limit: 5_000 }),
    ]);
    expect(pageA.claimed + pageB.claimed).toBe(due);
    const c = settlementCollections(db);
    const lines = await c.lines
      .find({ batchId: { $in: [a!.batchId, b!.batchId] }, paymentId: { $regex: `^payment-${prefix}-` } })
      .toArray();
    expect(lines).toHaveLength(due);
    expect(new Set(lines.map((line) => line.paymentId)).size).toBe(due);
    const claims = await c.claims.find({ paymentId: { $regex: `^payment-${prefix}-` } }).toArray();
    expect(claims).toHaveLength(due);
    for (const line of lines) {
      expect(claims.find((claim) => claim.paymentId === line.paymentId)?.batchId).toBe(line.batchId);
    }
  });
});
