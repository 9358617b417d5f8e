// `npm start`'s seed (scripts/seed-demo-parties.ts), run as the process `npm start` runs, against the real FerretDB:
// the demo cast is registered and the demo seller gets a payout account, its current account in the bank host's
// demo seed, sealed. Without it every settlement batch rejected the demo's payouts and `npm run demo` closed no order.
// A second run keeps an account an operator set.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_IBAN_ACCOUNTS } from '../../src/bank-host/seed';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { settlementCollections } from '../../src/gateway/settlement/settlement-store';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

const root = path.resolve(__dirname, '../..');
let db: Database;
let uri: string;
let dataDir: string;

beforeAll(async () => {
  uri = uniqueDatabaseUri(testServers().mongoUri, 'seed');
  db = await connectDatabase(uri);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-seed-'));
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function seed(): string {
  const run = spawnSync(process.execPath, ['scripts/run-ts.js', 'scripts/seed-demo-parties.ts'], {
    cwd: root,
    env: { ...process.env, MONGODB_URI: uri, DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toEqual({ status: 0, stderr: expect.any(String) });
  return run.stdout;
}

describe('demo seed', () => {
  it('seed › run twice › the demo seller has a sealed payout account at its demo bank account, kept the second time', async () => {
    expect(seed()).toMatch(/seller-acme's payout account set/);
    const iban = DEMO_IBAN_ACCOUNTS.find((account) => account._id === 'acct_seller-acme')!.iban;
    const stored = await settlementCollections(db).payoutAccounts.findOne({ _id: 'seller-acme' });
    expect(stored).toMatchObject({ ibanLast4: iban.slice(-4), accountHolder: 'Acme Industrial Supply' });
    expect(JSON.stringify(stored)).not.toContain(iban);

    await settlementCollections(db).payoutAccounts.updateOne(
      { _id: 'seller-acme' },
      { $set: { accountHolder: 'set by an operator' } },
    );
    expect(seed()).toMatch(/seller-acme's payout account kept/);
    expect((await settlementCollections(db).payoutAccounts.findOne({ _id: 'seller-acme' }))?.accountHolder).toBe(
      'set by an operator',
    );
  }, 240_000);
});
