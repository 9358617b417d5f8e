// Seeds the demo parties (a seller, a customer, two suppliers, three carriers, an operator) with stable ids, and
// writes their API keys to <DATA_DIR>/demo-parties.json (mode 0600) for the demo bots and people trying the API.
// Idempotent: a re-run keeps every key in the file that still works and re-issues the others.
// Run: node scripts/run-ts.js scripts/seed-demo-parties.ts

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import type { PartyRole } from '../src/domain/order';
import { connectDatabase, isDuplicateKeyError } from '../src/persistence/database';
import type { Database } from '../src/persistence/database';
import { rotateApiKey } from '../src/persistence/party-keys';
import { findParty, findPartyByApiKey, registerParty } from '../src/persistence/party-store';
import { DEMO_IBAN_ACCOUNTS } from '../src/bank-host/seed';
import { savePayoutAccount } from '../src/gateway/settlement/settlement-admin';
import { settlementCollections } from '../src/gateway/settlement/settlement-store';
import { openKeyRing } from '../src/security/open-key-ring';
import type { KeyVault } from '../src/security/purpose-keys';

/** One line of the demo parties file. */
interface DemoParty {
  id: string;
  role: PartyRole;
  name: string;
  apiKey: string;
}

/** The demo cast; ids are stable so scripts, docs and bots can name them. */
const DEMO_PARTIES: readonly Omit<DemoParty, 'apiKey'>[] = [
  { id: 'seller-acme', role: 'seller', name: 'Acme Industrial Supply' },
  { id: 'customer-globex', role: 'customer', name: 'Globex Corporation' },
  { id: 'supplier-north', role: 'supplier', name: 'Northwind Components' },
  { id: 'supplier-south', role: 'supplier', name: 'Southbank Parts' },
  { id: 'carrier-swift', role: 'carrier', name: 'Swift Freight' },
  { id: 'carrier-atlas', role: 'carrier', name: 'Atlas Logistics' },
  { id: 'carrier-polar', role: 'carrier', name: 'Polar Express Carriers' },
  { id: 'operator-ops', role: 'operator', name: 'settleflow operations' },
];

/** The keys of a previous run, by party id; an unreadable or malformed file counts as none. */
function previousKeys(file: string): Map<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(parsed)) return new Map();
    return new Map(
      parsed.flatMap((entry: unknown) => {
        const { id, apiKey } = (entry ?? {}) as { id?: unknown; apiKey?: unknown };
        return typeof id === 'string' && typeof apiKey === 'string' ? [[id, apiKey] as const] : [];
      }),
    );
  } catch {
    return new Map();
  }
}

/** Registers the party, or keeps / re-issues the key of the one already registered under its id. */
async function seedParty(
  db: Database,
  vault: KeyVault,
  party: Omit<DemoParty, 'apiKey'>,
  previousKey: string | undefined,
): Promise<{ apiKey: string; outcome: 'registered' | 'kept' | 're-issued' }> {
  const existing = await findParty(db, party.id);
  if (!existing) {
    try {
      const registered = await registerParty(db, vault, party);
      return { apiKey: registered.apiKey, outcome: 'registered' };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Registered concurrently by another run: fall through to the existing party's key.
    }
  }
  const current = existing ?? (await findParty(db, party.id));
  if (current && current.role !== party.role) {
    throw new Error(
      `party ${party.id} exists as a ${current.role}, not a ${party.role}; remove it or use another database`,
    );
  }
  if (previousKey && (await findPartyByApiKey(db, previousKey))?.id === party.id) {
    return { apiKey: previousKey, outcome: 'kept' };
  }
  const apiKey = await rotateApiKey(db, party.id);
  if (!apiKey) throw new Error(`party ${party.id} disappeared while seeding`);
  return { apiKey, outcome: 're-issued' };
}

/**
 * The demo seller's payout account, unless an operator set one: its current account in the bank host's demo seed, so
 * that the settlement batches pay the demo's orders out (without one, every payout line is rejected and the orders
 * wait at step 8 until SETTLEMENT_WAIT_MS).
 */
async function seedPayoutAccount(db: Database, vault: KeyVault, sellerId: string): Promise<'set' | 'kept'> {
  if (await settlementCollections(db).payoutAccounts.findOne({ _id: sellerId })) return 'kept';
  const account = DEMO_IBAN_ACCOUNTS.find((candidate) => candidate._id === `acct_${sellerId}`);
  if (!account) throw new Error(`the bank host's demo seed has no account for ${sellerId}`);
  await savePayoutAccount(db, vault.keys('card-vault'), {
    sellerId,
    iban: account.iban,
    accountHolder: account.label,
    operatorId: 'demo-seed',
    now: new Date(),
  });
  return 'set';
}

/** Writes the file readable by its owner only, replacing the old one in one step. */
function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const file = path.join(config.dataDir, 'demo-parties.json');
  const keys = previousKeys(file);
  const db = await connectDatabase(config.mongodbUri);
  try {
    const vault = await openKeyRing(config, db, 'api', { refresh: false });
    const seeded: DemoParty[] = [];
    const outcomes: string[] = [];
    for (const party of DEMO_PARTIES) {
      const { apiKey, outcome } = await seedParty(db, vault, party, keys.get(party.id));
      seeded.push({ ...party, apiKey });
      outcomes.push(outcome);
    }
    const payout = await seedPayoutAccount(db, vault, 'seller-acme');
    writePrivateJson(file, seeded);
    console.table(
      seeded.map((party, index) => ({
        id: party.id,
        role: party.role,
        name: party.name,
        key: `${party.apiKey.slice(0, 14)}…`,
        seeded: outcomes[index],
      })),
    );
    console.log(`API keys written to ${file} (mode 0600); seller-acme's payout account ${payout}`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(`seeding demo parties failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
