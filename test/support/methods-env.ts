// The payment methods' test rig: the order worker (workflow-env.ts) plus a gateway worker on its own task queue with a
// gateway runtime connected to the real bank host (ISO 8583 and ISO 20022 channels), every ISO 20022 document the
// gateway exchanges kept in clear for XSD validation, and helpers to open IBAN accounts and read them at the bank.

import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { OrderWorkflowInput } from '../../src/contracts/order-contract';
import { carrierAnswerUpdate, supplierAnswerUpdate } from '../../src/contracts/order-contract';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import type { MicropaymentSettings } from '../../src/gateway/micropayments';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import { createGatewayWorker } from '../../src/gateway/worker/create-gateway-worker';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import type { MessageName } from '../../src/iso20022';
import type { Database } from '../../src/persistence/database';
import { savePayoutAccount } from '../../src/gateway/settlement/settlement-admin';
import type { KeyVault, PurposeKeys } from '../../src/security/purpose-keys';
import { bankHostEnv, control } from './bank-control';
import type { WorkflowEnv } from './workflow-env';
import {
  acceptance,
  fullReservation,
  startOrder,
  startWorkflowEnv,
  testPayloadKeys,
  testServers,
  waitForStatus,
} from './workflow-env';
import { validateAgainstXsd } from './iso20022-xsd';

/** The gateway's settlement account at the bank host (seeded demo account). */
export const SETTLEMENT_ACCOUNT = 'acct_gateway_settlement';

/** A running order worker and gateway worker. */
export interface GatewayEnv {
  env: WorkflowEnv;
  runtime: GatewayRuntime;
  gatewayQueue: string;
  /** Every ISO 20022 document the gateway sent or received, in clear. */
  documents: { message: string; xml: string }[];
  close(): Promise<void>;
}

/** A gateway worker on a queue of its own, over the given database. */
export interface GatewayWorker {
  runtime: GatewayRuntime;
  gatewayQueue: string;
  documents: { message: string; xml: string }[];
  close(): Promise<void>;
}

/** Starts a gateway runtime (real bank host) and worker; the e-check clearing wait is the test bank's period (1 s). */
export async function startGatewayWorker(
  db: Database,
  vault: KeyVault,
  gatewayQueue = `gateway-test-${randomUUID()}`,
  micropayments: MicropaymentSettings = DEFAULT_GATEWAY_SETTINGS.micropayments,
): Promise<GatewayWorker> {
  const documents: { message: string; xml: string }[] = [];
  const iso20022Url = process.env.BANK_HOST_ISO20022_URL;
  if (!iso20022Url) throw new Error('BANK_HOST_ISO20022_URL is not set: run the tests through jest');
  const runtime = await startGatewayRuntime({
    db,
    vault,
    settings: {
      ...DEFAULT_GATEWAY_SETTINGS,
      bankHostAddress: bankHostEnv().address,
      requestTimeoutMs: 2_000,
      echeck: {
        ...DEFAULT_GATEWAY_SETTINGS.echeck,
        iso20022Url,
        iso20022Token: process.env.BANK_HOST_ISO20022_TOKEN,
        clearingMs: 1_000,
        observe: (message: string, xml: string) => documents.push({ message, xml }),
      } as typeof DEFAULT_GATEWAY_SETTINGS.echeck,
      micropayments,
    },
    log: () => undefined,
  });
  const connection = await NativeConnection.connect({ address: testServers().temporalAddress });
  const worker: Worker = await createGatewayWorker({
    connection,
    namespace: 'default',
    taskQueue: gatewayQueue,
    runtime,
    payloadKeys: testPayloadKeys(),
    workflowBundle: process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE
      ? { codePath: process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE }
      : undefined,
  });
  const running = worker.run();
  return {
    runtime,
    gatewayQueue,
    documents,
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await runtime.close();
    },
  };
}

/** Starts the order worker (workflow-env.ts) and a gateway worker on its database. */
export async function startGatewayEnv(micropayments?: MicropaymentSettings): Promise<GatewayEnv> {
  const env = await startWorkflowEnv();
  const gateway = await startGatewayWorker(env.db, env.vault, undefined, micropayments);
  return {
    env,
    runtime: gateway.runtime,
    gatewayQueue: gateway.gatewayQueue,
    documents: gateway.documents,
    async close() {
      await gateway.close();
      await env.close();
    },
  };
}

/** An order of this rig, CONFIRMED (supplier and carriers answered) and waiting for its payment. */
export async function confirmedOrder(rig: GatewayEnv, overrides: Partial<OrderWorkflowInput> = {}) {
  const { handle, input } = await startOrder(rig.env, {
    orderId: `pm-${randomUUID()}`,
    carrierIds: ['carrier-a', 'carrier-b'],
    gatewayTaskQueue: rig.gatewayQueue,
    ...overrides,
  } as Partial<OrderWorkflowInput>);
  await handle.executeUpdate(supplierAnswerUpdate, { args: [fullReservation(input)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-a', 5_000)] });
  await handle.executeUpdate(carrierAnswerUpdate, { args: [acceptance('carrier-b', 4_000)] });
  await waitForStatus(handle, 'CONFIRMED');
  return { handle, input };
}

/** Opens a current account at the bank host holding `balanceMinor` EUR (returning `returnReason` when set). */
export async function openCurrentAccount(
  balanceMinor: number,
  returnReason?: string,
): Promise<{ id: string; iban: string }> {
  const iban = ibanOf('DE', `88888888${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
  const account = await control<{ id: string }>('POST', '/v1/accounts', {
    kind: 'current',
    iban,
    balances: { EUR: balanceMinor },
    ...(returnReason === undefined ? {} : { returnReason }),
  });
  return { id: account.id, iban };
}

/**
 * A seller with a payout account at the bank host (EUR balance 0, returning `returnReason` when set) and the
 * gateway's record of it, the IBAN sealed under `vault`.
 */
export async function sellerWithPayoutAccount(
  db: Database,
  vault: PurposeKeys,
  returnReason?: string,
): Promise<{ sellerId: string; accountId: string }> {
  const sellerId = `seller-${randomUUID().slice(0, 8)}`;
  const account = await openCurrentAccount(0, returnReason);
  await savePayoutAccount(db, vault, {
    sellerId,
    iban: account.iban,
    accountHolder: `Seller ${sellerId}`,
    operatorId: 'operator-test',
    now: new Date(),
  });
  return { sellerId, accountId: account.id };
}

/** An account's EUR balance at the bank host. */
export async function balanceAtBank(accountId: string): Promise<number> {
  return (await control<{ balances: Record<string, number> }>('GET', `/v1/accounts/${accountId}`)).balances.EUR ?? 0;
}

/** Validates every document against its XSD; answers the messages seen, in order. */
export async function expectValidDocuments(documents: readonly { message: string; xml: string }[]): Promise<string[]> {
  for (const document of documents) {
    const validation = await validateAgainstXsd(document.message as MessageName, [document.xml]);
    expect({ message: document.message, errors: validation.errors }).toEqual({ message: document.message, errors: [] });
  }
  return documents.map((document) => document.message);
}
