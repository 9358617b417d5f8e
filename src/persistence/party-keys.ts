// Re-issuing a party's API key from scripts (the demo's seeding): the old keys stop at once and the new one is
// returned once, like a key at registration. Stores only the new key's SHA-256 digest and prefix.

import type { Database } from './database';
import { issueApiKey } from './party-store';

/**
 * Issues a new API key for a registered party, replacing its current ones at once.
 * @returns the new key, or undefined when no party has this id
 */
export async function rotateApiKey(db: Database, partyId: string): Promise<string | undefined> {
  return (await issueApiKey(db, partyId, { graceSeconds: 0 }))?.apiKey;
}
