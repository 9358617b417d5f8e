// Parties and their credentials. API keys are returned once at creation and stored only as SHA-256 digests;
// webhook secrets are stored sealed by the vault.

import { randomBytes } from 'node:crypto';
import type { PartyRole } from '../domain/order';
import type { Vault } from '../security/vault';
import { generateApiKey, hashApiKey } from '../security/vault';
import type { Database, PartyRecord } from './database';

/** A party as the rest of the system sees it: no credentials. */
export interface Party {
  id: string;
  role: PartyRole;
  name: string;
  webhookUrl?: string | undefined;
}

/** A newly registered party with the only copy of its API key (and webhook secret, if it has a webhook). */
export interface RegisteredParty extends Party {
  apiKey: string;
  webhookSecret?: string | undefined;
}

/**
 * Registers a party and issues its API key.
 * @throws the driver's duplicate-key error when the id is taken
 */
export async function registerParty(
  db: Database,
  vault: Vault,
  input: { id: string; role: PartyRole; name: string; webhookUrl?: string | undefined; apiKey?: string | undefined },
): Promise<RegisteredParty> {
  const apiKey = input.apiKey ?? generateApiKey(input.role);
  const webhookSecret = input.webhookUrl ? `whsec_${randomBytes(24).toString('base64')}` : undefined;
  await db.parties.create({
    _id: input.id,
    role: input.role,
    name: input.name,
    apiKeyHash: hashApiKey(apiKey),
    apiKeyPrefix: apiKey.slice(0, 12),
    webhookUrl: input.webhookUrl,
    webhookSecretSealed: webhookSecret ? vault.seal(webhookSecret) : undefined,
    createdAt: new Date(),
  });
  return { id: input.id, role: input.role, name: input.name, webhookUrl: input.webhookUrl, apiKey, webhookSecret };
}

/** The party holding this API key, or undefined. */
export async function findPartyByApiKey(db: Database, apiKey: string): Promise<Party | undefined> {
  const record = await db.parties.findOne({ apiKeyHash: hashApiKey(apiKey) }).lean<PartyRecord>();
  return record ? toParty(record) : undefined;
}

/** The party with this id, or undefined. */
export async function findParty(db: Database, id: string): Promise<Party | undefined> {
  const record = await db.parties.findById(id).lean<PartyRecord>();
  return record ? toParty(record) : undefined;
}

/** Where and with which secret to push a party's notices, if it registered a webhook. */
export async function findWebhookTarget(
  db: Database,
  vault: Vault,
  partyId: string,
): Promise<{ url: string; secret: string } | undefined> {
  const record = await db.parties.findById(partyId).lean<PartyRecord>();
  if (!record?.webhookUrl || !record.webhookSecretSealed) return undefined;
  return { url: record.webhookUrl, secret: vault.open(record.webhookSecretSealed) };
}

function toParty(record: PartyRecord): Party {
  return { id: record._id, role: record.role, name: record.name, webhookUrl: record.webhookUrl };
}

/** Which of these parties registered a webhook. */
export async function partiesWithWebhooks(db: Database, partyIds: readonly string[]): Promise<string[]> {
  const records = await db.parties
    .find({ _id: { $in: partyIds }, webhookUrl: { $exists: true, $ne: null } }, { _id: 1 })
    .lean<{ _id: string }[]>();
  return records.map((record) => record._id);
}
