// Records workflow histories for the determinism test (test/workflows/replay.test.ts): runs a closed order and a
// cancelled one on a running Temporal server and writes their histories to test/fixtures/histories/.
// Run it again only when a change to the workflow is meant to be incompatible (and version it instead if orders
// are in flight): `TEMPORAL_ADDRESS=... MONGODB_URI=... node scripts/run-ts.js scripts/record-history.ts`.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  cancelOrderUpdate,
  carrierAnswerUpdate,
  paymentNotificationUpdate,
  settlementConfirmationUpdate,
  shipmentEventUpdate,
  supplierAnswerUpdate,
} from '../src/contracts/order-contract';
import { generateVaultKey } from '../src/security/vault';
import {
  acceptance,
  fullReservation,
  sealedCard,
  startOrder,
  startWorkflowEnv,
  waitForStatus,
} from '../test/support/workflow-env';

async function main(): Promise<void> {
  process.env.SETTLEFLOW_VAULT_KEY ??= generateVaultKey();
  const env = await startWorkflowEnv();
  const out = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
  try {
    const closed = await startOrder(env, { orderId: 'fixture-closed', carrierIds: ['carrier-a', 'carrier-b'] });
    await closed.handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(closed.input)] });
    await closed.handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
    await closed.handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
    await waitForStatus(closed.handle, 'CONFIRMED');
    await closed.handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(env.vault, closed.input.customerId, '4000000000009995')],
    });
    await closed.handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(env.vault, closed.input.customerId, '4242424242424242')],
    });
    for (const type of ['picked_up', 'in_transit', 'delivered'] as const) {
      await closed.handle.executeUpdate(shipmentEventUpdate, { args: [{ carrierId: 'carrier-b', type }] });
    }
    await waitForStatus(closed.handle, 'AWAITING_SELLER_CONFIRMATION');
    await closed.handle.executeUpdate(settlementConfirmationUpdate, {
      args: [{ sellerId: closed.input.sellerId, confirmed: true }],
    });
    await closed.handle.result();
    writeFileSync(path.join(out, 'order-closed.json'), JSON.stringify(await closed.handle.fetchHistory()));

    const cancelled = await startOrder(env, { orderId: 'fixture-cancelled', carrierIds: ['carrier-a'] });
    await cancelled.handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(cancelled.input)] });
    await cancelled.handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
    await waitForStatus(cancelled.handle, 'CONFIRMED');
    await cancelled.handle.executeUpdate(paymentNotificationUpdate, {
      args: [sealedCard(env.vault, cancelled.input.customerId, '4242424242424242')],
    });
    await cancelled.handle.executeUpdate(cancelOrderUpdate, {
      args: [{ actor: { partyId: cancelled.input.customerId, role: 'customer' }, reason: 'no longer needed' }],
    });
    await cancelled.handle.result();
    writeFileSync(path.join(out, 'order-cancelled.json'), JSON.stringify(await cancelled.handle.fetchHistory()));
    console.log(`histories written to ${out}`);
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
