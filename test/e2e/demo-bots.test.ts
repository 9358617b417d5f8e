// The demo's bots (scripts/demo/**, what `npm run demo` runs) against the real API over HTTP, the order worker and the
// gateway worker with the bank host: one order per payment method (card, e-check, e-cash, micropayment), each paid as
// the demo pays it, and each must close. The bots read only what their party may see: the e-cash bot once took the
// order's total from a carrier's view, which has none, and the demo's e-cash order failed.

import { castsFrom } from '../../scripts/demo/demo-parties';
import { runOrders } from '../../scripts/demo/bot-run';
import { HAPPY_PATH, planScenarios, withPaymentMethods } from '../../scripts/demo/scenarios';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ API_UPDATE_TIMEOUT_MS: '20000' });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('demo bots', () => {
  it('demo › one order per payment method › every order closes, each paid by its method', async () => {
    const parties = (['seller', 'customer', 'supplier', 'carrierA', 'carrierB'] as const).map((member) => ({
      id: h.parties[member].id,
      role: h.parties[member].role,
      name: h.parties[member].name,
      apiKey: h.parties[member].apiKey,
    }));
    const scenarios = withPaymentMethods(planScenarios(4, HAPPY_PATH, 7));
    expect(scenarios.map((scenario) => scenario.paymentMethod)).toEqual(['card', 'echeck', 'ecash', 'micropayment']);
    const report = await runOrders({ castFor: castsFrom(parties, h.baseUrl), scenarios, concurrency: 4 });

    const outcomes = report.outcomes.map((outcome) => [outcome.scenario.paymentMethod, outcome.status, outcome.error]);
    expect(outcomes.sort()).toEqual(
      ['card', 'ecash', 'echeck', 'micropayment'].map((method) => [method, 'CLOSED', undefined]),
    );
    for (const outcome of report.outcomes) {
      const payments: Json[] = await h.db.connection
        .db!.collection('gateway_payments')
        .find({ orderId: outcome.orderId })
        .toArray();
      const succeeded = payments.filter((payment) => payment.status === 'succeeded');
      expect([outcome.scenario.paymentMethod, succeeded.length]).toEqual([outcome.scenario.paymentMethod, 1]);
      const method = succeeded[0].method ?? 'card';
      const expected = { card: 'card', echeck: 'echeck', ecash: 'ecash', micropayment: 'card' }[
        outcome.scenario.paymentMethod!
      ];
      expect([outcome.scenario.paymentMethod, method]).toEqual([outcome.scenario.paymentMethod, expected]);
      if (outcome.scenario.paymentMethod === 'micropayment') {
        expect(succeeded[0].micropayment?.aggregatePaymentId).toEqual(expect.any(String));
      }
    }
  }, 240_000);
});
