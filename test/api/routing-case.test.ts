// Paths are case-sensitive, as the OpenAPI document states them: `/v1/parties/ME` names a party whose id is "ME", and
// must never be routed to `/v1/parties/me` (Express matches case-insensitively unless told otherwise; schemathesis
// found an operator's GET /v1/parties/ME answered with the operator's own party, in the wrong schema).

import { partyAccountSchema, partySchema } from '../../src/api/response-schemas';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('routing', () => {
  it('routing › a path in another case › names another resource, not the lowercase route', async () => {
    const own = await h.api('GET', '/v1/parties/me', { key: h.key('operator') });
    expect([own.status, own.body.id]).toEqual([200, h.parties.operator.id]);
    const upper = await h.api('GET', '/v1/parties/ME', { key: h.key('operator') });
    expect([upper.status, upper.body.id]).toEqual([404, undefined]);
    expect(upper.body.error).toMatchObject({ type: expect.any(String), code: expect.any(String) });
    const orders = await h.api('GET', '/V1/ORDERS', { key: h.key('seller') });
    expect(orders.status).toBe(404);
  });

  // `/v1/parties/me` is also `/v1/parties/{partyId}` with partyId "me": schemathesis sent a carrier's GET that way and
  // checked the answer against getParty's PartyAccount, which requires `disabled`. The literal route answers in a shape
  // both operations document.
  it.each([
    ['carrierA', 'carrier'],
    ['operator', 'operator'],
  ] as const)('routing › GET /v1/parties/me as %s › fits both Party and PartyAccount', async (party, role) => {
    const own = await h.api('GET', '/v1/parties/me', { key: h.key(party) });
    expect(own.status).toBe(200);
    expect(partyAccountSchema.safeParse(own.body).error).toBeUndefined();
    expect(partySchema.safeParse(own.body).error).toBeUndefined();
    expect(own.body).toMatchObject({ id: h.parties[party].id, role, disabled: false });
  });

  // So "me" is no party id: the document's {partyId} pattern leaves it out (schemathesis never generates it again),
  // and registering a party called "me", which `/v1/parties/{partyId}` could never reach, is refused.
  it('routing › the party id "me" › left out of every {partyId} pattern and refused at registration', async () => {
    const { body: document } = await h.api('GET', '/openapi.json');
    const patterns: string[] = [];
    for (const [route, operations] of Object.entries<Record<string, { parameters?: unknown[] }>>(document.paths)) {
      if (!route.includes('{partyId}')) continue;
      for (const operation of Object.values(operations)) {
        for (const parameter of (operation.parameters ?? []) as { name: string; schema: { pattern: string } }[]) {
          if (parameter.name === 'partyId') patterns.push(parameter.schema.pattern);
        }
      }
    }
    expect(patterns.length).toBeGreaterThanOrEqual(5);
    expect(patterns.filter((pattern) => new RegExp(pattern).test('me'))).toEqual([]);
    expect(patterns.filter((pattern) => !new RegExp(pattern).test('mei'))).toEqual([]);

    const registered = await h.api('POST', '/v1/parties', {
      key: h.key('operator'),
      body: { id: 'me', role: 'carrier', name: 'Me Freight' },
      headers: { 'Idempotency-Key': 'party-named-me' },
    });
    expect([registered.status, registered.body.error?.param]).toEqual([400, 'id']);
    const again = await h.api('GET', '/v1/parties/me', { key: h.key('operator') });
    expect(again.body.id).toBe(h.parties.operator.id);
  });

  // A literal path is its own resource: PATCH, which only `/v1/parties/{partyId}` declares, is 405 at `/v1/parties/me`
  // (schemathesis: "Unsupported method PATCH returned 400, expected 405"), with the literal path's Allow.
  it('routing › PATCH /v1/parties/me › 405 with Allow GET, HEAD, not the template answer', async () => {
    const patched = await h.api('PATCH', '/v1/parties/me', { key: h.key('operator'), body: { name: 'x' } });
    expect([patched.status, patched.headers.get('allow'), patched.body.error?.code]).toEqual([
      405,
      'GET, HEAD',
      'method_not_allowed',
    ]);
    const put = await h.api('PUT', '/v1/parties/me', { key: h.key('operator') });
    expect(put.status).toBe(405);
    const own = await h.api('GET', '/v1/parties/me', { key: h.key('operator') });
    expect(own.status).toBe(200);
  });

  // zod's coercion reads an empty query value as 0: schemathesis's `GET /v1/transactions?maxAmount=` was answered 200.
  it('query › a number parameter given empty › 400 naming it, on every route', async () => {
    for (const url of ['/v1/transactions?maxAmount=', '/v1/transactions?limit=77&minAmount=%20', '/v1/orders?limit=']) {
      const answer = await h.api('GET', url, { key: h.key('operator') });
      expect([url, answer.status, answer.body.error?.code]).toEqual([url, 400, 'parameter_invalid']);
    }
    const named = await h.api('GET', '/v1/transactions?maxAmount=', { key: h.key('operator') });
    expect(named.body.error.param).toBe('maxAmount');
    const given = await h.api('GET', '/v1/transactions?maxAmount=5', { key: h.key('operator') });
    expect(given.status).toBe(200);
  });
});
