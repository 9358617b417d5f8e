// Records workflow histories for the determinism test (test/workflows/replay.test.ts): runs the hardened order
// workflow (patch `order-hardening-v2`) down every terminal path on a running Temporal server and writes each
// history to test/fixtures/histories/v2-<path>.json. The version-1 fixtures (order-closed.json, order-cancelled.json)
// were recorded before the patch and stay as they are: they prove running v1 orders keep replaying.
// Run it again only when a change to the workflow is meant to be incompatible (and version it with patched() if
// orders are in flight): `TEMPORAL_ADDRESS=... MONGODB_URI=... node scripts/run-ts.js scripts/record-history.ts`.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { OrderWorkflowInput } from '../src/contracts/order-contract';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  resolveAttentionUpdate,
  resolveDisputeUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../src/contracts/order-contract';
import type { OrderDeadlines } from '../src/domain/order';
import { generateVaultKey } from '../src/security/vault';
import { OutageBank } from '../test/support/outage-bank';
import type { WorkflowEnv } from '../test/support/workflow-env';
import {
  LONG_DEADLINES,
  acceptance,
  fullReservation,
  sealedCard,
  startOrder,
  startWorkflowEnv,
  waitForStatus,
} from '../test/support/workflow-env';

const OK = '4242424242424242';
const DECLINED = '4000000000009995';

/** One terminal path: how to drive the order there. */
interface Scenario {
  name: string;
  deadlines?: Partial<OrderDeadlines>;
  drive(order: Driver): Promise<void>;
}

/** The actions of one order's parties, as the API sends them. */
class Driver {
  constructor(
    readonly env: WorkflowEnv,
    readonly bank: OutageBank,
    readonly handle: WorkflowHandle,
    readonly input: OrderWorkflowInput,
  ) {}

  async supplier(available = true): Promise<void> {
    const answer = available
      ? fullReservation(this.input)
      : { supplierId: this.input.supplierId, answer: { available: false, items: [] } };
    await this.handle.executeUpdate(supplierAnswerUpdate, { args: [answer] });
  }

  async confirm(): Promise<void> {
    await this.supplier();
    await this.handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
    await this.handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
    await waitForStatus(this.handle, 'CONFIRMED');
  }

  async pay(card = OK): Promise<void> {
    await this.handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(this.env.vault, this.input.customerId, card)],
    });
  }

  async deliver(): Promise<void> {
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await this.handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    await waitForStatus(this.handle, 'AWAITING_SELLER_CONFIRMATION');
  }

  async settle(confirmed: boolean): Promise<void> {
    const reason = confirmed ? undefined : 'fee differs from contract';
    await this.handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: this.input.sellerId, confirmed, reason }],
    });
  }

  async cancel(role: 'customer' | 'seller' | 'operator'): Promise<void> {
    const partyId = role === 'customer' ? this.input.customerId : role === 'seller' ? this.input.sellerId : 'op-1';
    await this.handle.executeUpdate(cancelOrderUpdate, { args: [{ actor: { partyId, role }, reason: 'recorded' }] });
  }
}

const SCENARIOS: Scenario[] = [
  {
    name: 'closed',
    async drive(o) {
      await o.confirm();
      await o.pay(DECLINED);
      await o.pay();
      await o.deliver();
      await o.settle(true);
    },
  },
  {
    name: 'closed-seller-silent',
    deadlines: { sellerConfirmationMs: 1_000 },
    async drive(o) {
      await o.confirm();
      await o.pay();
      await o.deliver();
    },
  },
  {
    name: 'dispute-closed',
    async drive(o) {
      await o.confirm();
      await o.pay();
      await o.deliver();
      await o.settle(false);
      await o.handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'op-1', resolution: 'CLOSE' }] });
    },
  },
  {
    name: 'dispute-refunded',
    async drive(o) {
      await o.confirm();
      await o.pay();
      await o.deliver();
      await o.settle(false);
      await o.handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'op-1', resolution: 'REFUND' }] });
    },
  },
  { name: 'supplier-unavailable', drive: (o) => o.supplier(false) },
  { name: 'supplier-deadline', deadlines: { supplierAnswerMs: 1_000 }, drive: async () => undefined },
  { name: 'no-carrier', deadlines: { carrierAnswerMs: 1_000 }, drive: (o) => o.supplier() },
  {
    name: 'payment-deadline',
    deadlines: { paymentMs: 2_000 },
    async drive(o) {
      await o.confirm();
      await o.pay(DECLINED);
    },
  },
  {
    name: 'payment-failed',
    async drive(o) {
      await o.confirm();
      for (let i = 0; i < 5; i += 1) await o.pay(DECLINED);
    },
  },
  {
    name: 'cancelled-by-customer',
    async drive(o) {
      await o.confirm();
      await o.pay();
      await o.cancel('customer');
    },
  },
  {
    name: 'cancelled-by-seller',
    async drive(o) {
      await o.confirm();
      await o.cancel('seller');
    },
  },
  {
    name: 'cancelled-by-operator',
    async drive(o) {
      await o.supplier();
      await o.cancel('operator');
    },
  },
  {
    name: 'attention-payment-retried',
    async drive(o) {
      await o.confirm();
      o.bank.breakDown(o.input.orderId, ['authorize']);
      await o.pay();
      o.bank.heal(o.input.orderId);
      await o.handle.executeUpdate(resolveAttentionUpdate, { args: [{ operatorId: 'op-1', action: 'RETRY' }] });
      await o.deliver();
      await o.settle(true);
    },
  },
  {
    name: 'attention-delivery-cancelled',
    deadlines: { deliveryMs: 1_500 },
    async drive(o) {
      await o.confirm();
      await o.pay();
      await waitForStatus(o.handle, 'NEEDS_ATTENTION');
      await o.handle.executeUpdate(resolveAttentionUpdate, { args: [{ operatorId: 'op-1', action: 'CANCEL' }] });
    },
  },
  {
    name: 'attention-dispute-extended',
    deadlines: { disputeResolutionMs: 1_000 },
    async drive(o) {
      await o.confirm();
      await o.pay();
      await o.deliver();
      await o.settle(false);
      await waitForStatus(o.handle, 'NEEDS_ATTENTION');
      await o.handle.executeUpdate(resolveAttentionUpdate, {
        args: [{ operatorId: 'op-1', action: 'EXTEND', extendMs: 600_000 }],
      });
      await o.handle.executeUpdate(resolveDisputeUpdate, { args: [{ operatorId: 'op-1', resolution: 'CLOSE' }] });
    },
  },
];

async function main(): Promise<void> {
  process.env.SETTLEFLOW_VAULT_KEY ??= generateVaultKey();
  // Sealed under the fixtures' payload key (test/support/workflow-env.ts), so the fixtures replay in any test run.
  process.env.RECORD_FIXTURES = '1';
  let bank: OutageBank | undefined;
  const env = await startWorkflowEnv({
    bank: (db) => {
      bank = new OutageBank(db);
      return bank;
    },
  });
  const out = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
  const only = process.argv.slice(2);
  try {
    for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
      const { handle, input } = await startOrder(env, {
        orderId: `fixture-v2-${scenario.name}`,
        carrierIds: ['carrier-a', 'carrier-b'],
        deadlines: { ...LONG_DEADLINES, ...scenario.deadlines },
        bankCallTimeoutMs: 2_000,
      });
      if (!bank) throw new Error('the worker did not build its bank');
      await scenario.drive(new Driver(env, bank, handle, input));
      const result = (await handle.result()) as { status: string; cancellationReason?: string };
      const file = path.join(out, `v2-${scenario.name}.json`);
      writeFileSync(file, JSON.stringify(await handle.fetchHistory()));
      console.log(`${scenario.name}: ${result.status} ${result.cancellationReason ?? ''} -> ${file}`);
    }
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
