// The demo's bots (scripts/demo) against the real API, worker, gateway worker and bank host: an order the demo pays by
// e-cash tops the customer's wallet up with the order's total first. The carriers' answers show the chosen carrier
// but not the total (a carrier never sees prices), so the total must come from a view that has it.

import { runOrders } from '../../scripts/demo/bot-run';
import { castsFrom } from '../../scripts/demo/demo-parties';
import type { DemoPaymentMethod } from '../../scripts/demo/scenarios';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.close();
});

describe('demo bots', () => {
  it.each<DemoPaymentMethod>(['ecash', 'card'])(
    'demo bots › an order paid by %s › closes with its payment captured',
    async (paymentMethod) => {
      const { seller, customer, supplier, carrierA, carrierB } = harness.parties;
      const castFor = castsFrom([seller, customer, supplier, carrierA, carrierB], harness.baseUrl);
      const report = await runOrders({
        castFor,
        scenarios: [{ supplier: 'answers', declineFirstPayment: false, paymentMethod }],
        concurrency: 1,
      });
      expect(report.outcomes.map(({ status, error }) => ({ status, error }))).toEqual([
        { status: 'CLOSED', error: undefined },
      ]);
      const [outcome] = report.outcomes;
      const order = await harness.api('GET', `/v1/orders/${outcome?.orderId ?? ''}`, { key: harness.key('customer') });
      expect(order.body.payments.map((payment: { status: string }) => payment.status)).toEqual(['CAPTURED']);
    },
  );
});
