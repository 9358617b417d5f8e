// A SIGKILL of the gateway worker process while a reversal is pending: the authorization gets no answer (fault rule),
// its 0420 gets none either, the process is killed with the reversal stored in `gateway_reversals`; the bank then
// answers again, a new gateway worker process resumes the reversal at start, the hold is released, the payment ends
// `failed` (reversed) and the payment child workflow completes with it. The bank's books of the card equal the ledger.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PaymentCommand, PaymentSummary } from '../../src/contracts/payment-contract';
import { paymentWorkflowId } from '../../src/contracts/payment-contract';
import { GATEWAY_REVERSALS } from '../../src/gateway/bank-connector/reversal-queue';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { Vault } from '../../src/security/vault';
import { addFault, bankEntries, bankHostEnv, cardAtBank, openTestCard, removeFault } from '../support/bank-control';
import { testDataConverter, testPayloadKeysEnv, testServers, uniqueDatabaseUri } from '../support/workflow-env';

const root = path.resolve(__dirname, '..', '..');
const children: ChildProcess[] = [];
const queue = `gateway-kill-${randomUUID()}`;
let databaseUri: string;
let db: Database;
let client: Client;
let connection: Connection;

beforeAll(async () => {
  const servers = testServers();
  databaseUri = uniqueDatabaseUri(servers.mongoUri, 'gwkill');
  db = await connectDatabase(databaseUri);
  connection = await Connection.connect({ address: servers.temporalAddress });
  client = new Client({ connection, dataConverter: testDataConverter() });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await connection?.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

/** Starts the gateway worker entry point as a process and resolves once it polls its task queue. */
function startGatewayProcess(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'scripts/run-ts.js'), path.join(root, 'src/gateway/worker/main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        MONGODB_URI: databaseUri,
        GATEWAY_TASK_QUEUE: queue,
        BANK_HOST_ADDRESS: bankHostEnv().address,
        BANK_REQUEST_TIMEOUT_MS: '400',
        BANK_REVERSAL_RETRY_INITIAL_MS: '100',
        BANK_REVERSAL_RETRY_MAX_MS: '300',
        // The run's prebuilt bundle: a restarted process polls at once instead of bundling again (slow on a busy box).
        GATEWAY_WORKFLOW_BUNDLE: process.env.SETTLEFLOW_GATEWAY_WORKFLOW_BUNDLE ?? '',
        ...testPayloadKeysEnv(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (process.env.GATEWAY_KILL_DEBUG) process.stderr.write(chunk);
      if (output.includes('polling task queue')) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`gateway worker exited (${code ?? signal}): ${output}`)));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('gateway worker SIGKILL', () => {
  it('gateway worker › killed with a reversal pending › a new process resumes it: hold released, payment failed', async () => {
    const vault = new Vault(testServers().vaultKey);
    const card = await openTestCard(1_000_000);
    const noAuthAnswer = await addFault({ action: 'no_answer', pan: card.number, mti: '0100', times: 1 });
    // The bank loses every 0420 (apply: false): the hold stays until a reversal gets through.
    const noReversalAnswer = await addFault({ action: 'no_answer', pan: card.number, mti: '0420', apply: false });
    const first = await startGatewayProcess();
    const orderId = `kill-${randomUUID()}`;
    const command: PaymentCommand = {
      command: 'authorize',
      orderId,
      attempt: 1,
      sellerId: 'seller-kill',
      amount: { amount: 5_500, currency: 'EUR' },
      captureMode: 'at_delivery',
      sealedCard: vault.seal(JSON.stringify(card)),
      timeoutMs: 60_000,
    };
    const handle = await client.workflow.start('paymentWorkflow', {
      workflowId: paymentWorkflowId(command),
      taskQueue: queue,
      args: [command],
    });
    const pending = await until('a stored reversal attempted at least once', async () => {
      const record = await db.connection.collection(GATEWAY_REVERSALS).findOne({ paymentId: `payment-${orderId}-1` });
      return record && record.state === 'pending' && record.attempts >= 1 ? record : undefined;
    });
    expect((await cardAtBank(card.number)).held).toBe(5_500);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await removeFault(noReversalAnswer);
    await removeFault(noAuthAnswer);

    await startGatewayProcess();
    const done = await until('the reversal acknowledged', async () => {
      const record = await db.connection.collection(GATEWAY_REVERSALS).findOne({ _id: pending._id });
      return record?.state === 'acknowledged' ? record : undefined;
    });
    expect(done.state).toBe('acknowledged');
    expect(await cardAtBank(card.number)).toMatchObject({ balance: 1_000_000, held: 0 });
    expect((await bankEntries(String(pending.rrn))).filter((e) => e.mti === '0100')).toHaveLength(1);
    const result = (await handle.result()) as PaymentSummary;
    expect([result.status, result.declineCode]).toEqual(['failed', 'reversed']);
  }, 120_000);
});
