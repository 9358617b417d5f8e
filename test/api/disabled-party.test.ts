// A disabled party cannot be named in a new order (issue 5, G): POST /v1/orders refuses a disabled customer, supplier
// or carrier with 422 `party_disabled` naming the field, at once in the API process that disabled it (even after it
// cached the party for an earlier order) and in any other process once API_KEY_CACHE_MS has passed.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import type { ApiHarness, ApiResponse, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { silentLogger } from '../support/log-capture';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

type Role = 'customer' | 'supplier' | 'carrier';

/** Registers a fresh party through the API and returns its id. */
async function newParty(role: Role): Promise<string> {
  const created = await h.api('POST', '/v1/parties', { key: h.key('operator'), body: { role, name: `new ${role}` } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function setDisabled(partyId: string, disabled: boolean): Promise<void> {
  const answer = await h.api('POST', `/v1/parties/${partyId}/${disabled ? 'disable' : 'enable'}`, {
    key: h.key('operator'),
  });
  expect(answer.status).toBe(200);
}

/** An order body naming `partyId` in the place of its role (the second carrier for a carrier). */
function bodyNaming(role: Role, partyId: string): Record<string, unknown> {
  if (role === 'customer') return h.orderBody({ customerId: partyId });
  if (role === 'supplier') return h.orderBody({ supplierId: partyId });
  return h.orderBody({ carrierIds: [h.parties.carrierA.id, partyId] });
}

const PARAM: Record<Role, string> = { customer: 'customerId', supplier: 'supplierId', carrier: 'carrierIds.1' };

const placeOrder = (body: Record<string, unknown>) => h.api('POST', '/v1/orders', { key: h.key('seller'), body });

/** Another API process on the same database and Temporal, with a clock of the test's own. */
async function startOtherApi(now: () => Date) {
  const app = createApp({
    db: h.db,
    temporal: h.client,
    config: h.config,
    vault: h.vault,
    now,
    logger: silentLogger(),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async placeOrder(body: Record<string, unknown>): Promise<ApiResponse> {
      const response = await fetch(`${baseUrl}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key('seller')}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('disabled parties in new orders', () => {
  test.each(['customer', 'supplier', 'carrier'] as const)(
    'place order › naming a disabled %s › 422 party_disabled naming the field, no order',
    async (role) => {
      const partyId = await newParty(role);
      await setDisabled(partyId, true);
      const body = bodyNaming(role, partyId);

      const refused = await placeOrder(body);

      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({
        error: {
          type: 'invalid_request_error',
          code: 'party_disabled',
          message: expect.stringContaining(partyId),
          param: PARAM[role],
        },
      });
      expect(await h.db.orders.countDocuments({ _id: body.orderId })).toBe(0);
    },
  );

  test('place order › a carrier named in an earlier order, then disabled › refused at once; enabled again › accepted', async () => {
    const carrierId = await newParty('carrier');
    const first = await placeOrder(bodyNaming('carrier', carrierId));
    await setDisabled(carrierId, true);

    const refused = await placeOrder(bodyNaming('carrier', carrierId));
    await setDisabled(carrierId, false);
    const accepted = await placeOrder(bodyNaming('carrier', carrierId));

    expect(first.status).toBe(201);
    expect([refused.status, refused.body.error.code, refused.body.error.param]).toEqual([
      422,
      'party_disabled',
      'carrierIds.1',
    ]);
    expect(accepted.status).toBe(201);
  });

  test('place order › another API process that cached the supplier › refuses it once API_KEY_CACHE_MS has passed', async () => {
    const supplierId = await newParty('supplier');
    let clock = Date.now();
    const other = await startOtherApi(() => new Date(clock));
    try {
      const first = await other.placeOrder(bodyNaming('supplier', supplierId));
      await setDisabled(supplierId, true);
      clock += h.config.apiKeyCacheMs;

      const refused = await other.placeOrder(bodyNaming('supplier', supplierId));

      expect(first.status).toBe(201);
      expect([refused.status, refused.body.error.code, refused.body.error.param]).toEqual([
        422,
        'party_disabled',
        'supplierId',
      ]);
    } finally {
      await other.close();
    }
  });
});
