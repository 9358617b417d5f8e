// The read model's conditional write on the real database server: a change applies only over an older version, a
// stale or repeated one changes nothing, and a change to an order the database does not have asks for the whole view.

import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { findOrderView, writeOrderView } from '../../src/persistence/order-store';
import type { OrderView } from '../../src/domain/order';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;

beforeAll(async () => {
  db = await connectDatabase(uniqueDatabaseUri(testServers().mongoUri, 'rm'));
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
});

/** A minimal stored order at `version`. */
async function storedOrder(version: number): Promise<string> {
  const orderId = `o-${randomUUID()}`;
  await db.connection
    .collection<{ _id: string }>('orders')
    .insertOne({ _id: orderId, orderId, version, status: 'AWAITING_SUPPLIER' } as never);
  return orderId;
}

describe('read model write', () => {
  test('changes › over an older version › are stored with the new version', async () => {
    const orderId = await storedOrder(3);

    const outcome = await writeOrderView(db, { kind: 'CHANGES', orderId, version: 4, changes: { status: 'CLOSED' } });

    expect(outcome).toBe('STORED');
    expect(await findOrderView(db, orderId)).toMatchObject({ version: 4, status: 'CLOSED' });
  });

  test('changes › none (a write of notices alone) › UNCHANGED, stored order or not, and nothing changes', async () => {
    const orderId = await storedOrder(5);

    const stored = await writeOrderView(db, { kind: 'CHANGES', orderId, version: 5, changes: {} });
    const missing = await writeOrderView(db, {
      kind: 'CHANGES',
      orderId: `o-${randomUUID()}`,
      version: 9,
      changes: {},
    });

    expect([stored, missing]).toEqual(['UNCHANGED', 'UNCHANGED']);
    expect(await findOrderView(db, orderId)).toMatchObject({ version: 5, status: 'AWAITING_SUPPLIER' });
  });

  test('changes › at the stored version or older › are STALE and change nothing', async () => {
    const orderId = await storedOrder(5);

    const same = await writeOrderView(db, { kind: 'CHANGES', orderId, version: 5, changes: { status: 'CLOSED' } });
    const older = await writeOrderView(db, { kind: 'CHANGES', orderId, version: 2, changes: { status: 'CANCELLED' } });

    expect([same, older]).toEqual(['STALE', 'STALE']);
    expect(await findOrderView(db, orderId)).toMatchObject({ version: 5, status: 'AWAITING_SUPPLIER' });
  });

  test('changes › to an order not stored › are MISSING and store nothing', async () => {
    const orderId = `o-${randomUUID()}`;

    const outcome = await writeOrderView(db, { kind: 'CHANGES', orderId, version: 2, changes: { status: 'CLOSED' } });

    expect(outcome).toBe('MISSING');
    expect(await findOrderView(db, orderId)).toBeUndefined();
  });

  test('full view › over a newer stored one › is STALE', async () => {
    const orderId = await storedOrder(7);

    const outcome = await writeOrderView(db, {
      kind: 'FULL',
      view: { orderId, version: 6, status: 'CLOSED' } as unknown as OrderView,
    });

    expect(outcome).toBe('STALE');
    expect(await findOrderView(db, orderId)).toMatchObject({ version: 7 });
  });
});
