// Re-issuing a party's API key: the old key stops working (after the API's short key cache expires) and the new one
// is returned once, like a key at registration. Stores only the new key's SHA-256 digest and prefix.

import { generateApiKey, hashApiKey } from '../security/vault';
import type { Database, PartyRecord } from './database';

/**
 * Issues a new API key for a registered party, replacing its current one.
 * @returns the new key, or undefined when no party has this id
 */
export async function rotateApiKey(db: Database, partyId: string): Promise<string | undefined> {
  const record = await db.parties.findById(partyId).lean<PartyRecord>().exec();
  if (!record) return undefined;
  const apiKey = generateApiKey(record.role);
  await db.parties
    .updateOne({ _id: partyId }, { $set: { apiKeyHash: hashApiKey(apiKey), apiKeyPrefix: apiKey.slice(0, 12) } })
    .exec();
  return apiKey;
}
