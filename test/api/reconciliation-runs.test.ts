// The list of reconciliation runs over HTTP (the console's Reconciliation page reads it): newest day first, a page at a
// time with the cursor it answered; a cursor it did not give is 422; any role but the operator gets 403.

import { ReconciliationStore } from '../../src/gateway/reconciliation/store';
import type { RunRecord } from '../../src/gateway/reconciliation/store';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

const run = (day: string, status: RunRecord['status']): RunRecord => ({
  _id: `recon-${day}-0badcafe`,
  day,
  accountLast4: '4242',
  currencies: ['EUR'],
  status,
  startedAt: new Date(`${day}T01:00:00Z`),
});

beforeAll(async () => {
  h = await startApiHarness();
  await new ReconciliationStore(h.db).runs.insertMany([
    run('2026-11-24', 'COMPLETED'),
    run('2026-11-26', 'FAILED'),
    run('2026-11-25', 'RUNNING'),
  ]);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('reconciliation runs list', () => {
  it('reconciliation runs › listed two at a time › newest day first, every run once, then no cursor', async () => {
    const first = await h.api('GET', '/v1/reconciliation/runs?limit=2', { key: h.key('operator') });
    expect(first.status).toBe(200);
    expect(first.body.data.map((r: { runId: string; status: string }) => [r.runId, r.status])).toEqual([
      ['recon-2026-11-26-0badcafe', 'FAILED'],
      ['recon-2026-11-25-0badcafe', 'RUNNING'],
    ]);
    const second = await h.api('GET', `/v1/reconciliation/runs?limit=2&cursor=${first.body.nextCursor}`, {
      key: h.key('operator'),
    });
    expect([second.status, second.body.data.map((r: { day: string }) => r.day), second.body.nextCursor]).toEqual([
      200,
      ['2026-11-24'],
      undefined,
    ]);
  });

  it('reconciliation runs › a cursor it did not give › 422 invalid_cursor', async () => {
    const bad = await h.api('GET', '/v1/reconciliation/runs?cursor=%3D%3D', { key: h.key('operator') });
    expect([bad.status, bad.body.error.code, bad.body.error.param]).toEqual([422, 'invalid_cursor', 'cursor']);
  });

  it('reconciliation runs › a seller or a customer › 403', async () => {
    for (const member of ['seller', 'customer'] as const) {
      const answer = await h.api('GET', '/v1/reconciliation/runs', { key: h.key(member) });
      expect([member, answer.status]).toEqual([member, 403]);
    }
  });
});

describe('reconciliation run started', () => {
  // schemathesis's stateful run read a run's corrections right after the POST answered 202, before the gateway worker
  // had begun the workflow: 404 `run_not_found` for the run just created. The POST records the run first.
  it('reconciliation runs › read right after the start answered › the run and its corrections are there', async () => {
    const started = await h.api('POST', '/v1/reconciliation/runs', {
      key: h.key('operator'),
      body: { day: '1999-01-05' },
      headers: { 'Idempotency-Key': `recon-start-${Date.now()}` },
    });
    expect([202, 200]).toContain(started.status);
    const runId = started.body.runId as string;
    const [run, corrections] = await Promise.all([
      h.api('GET', `/v1/reconciliation/runs/${runId}`, { key: h.key('operator') }),
      h.api('GET', `/v1/reconciliation/runs/${runId}/corrections`, { key: h.key('operator') }),
    ]);
    expect([run.status, run.body.day, corrections.status]).toEqual([200, '1999-01-05', 200]);
  });
});
