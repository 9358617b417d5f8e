// The Temporal payload codec's view of the key ring: the current `temporal-payloads` key to encrypt with and any
// unretired one by id to decrypt with, so payloads written before a rotation still decode. Hands raw key bytes to the
// codec only; never logs them.

import { KeyRingError } from './key-errors';
import type { KeyRing } from './key-ring';

/** What the payload codec asks of its keys. */
export interface PayloadKeySource {
  /** The key new payloads are encrypted under, with its id (written into each payload's metadata). */
  current(): Promise<{ kid: string; key: Buffer }>;
  /** The key with id `kid`, or undefined when there is none (unknown or retired): the codec then fails clearly. */
  byKid(kid: string): Promise<Buffer | undefined>;
}

/**
 * The `temporal-payloads` keys of a key ring as a {@link PayloadKeySource}. An unknown id makes the ring reload
 * from the store once before the answer is undefined, so a key another process just added is found.
 */
export function payloadKeySource(ring: KeyRing): PayloadKeySource {
  const lookUp = (kid: string): Buffer | undefined => {
    try {
      return ring.symmetricKey('temporal-payloads', kid).key;
    } catch (error) {
      if (error instanceof KeyRingError) return undefined;
      throw error;
    }
  };
  return {
    async current() {
      return ring.symmetricKey('temporal-payloads');
    },
    async byKid(kid) {
      const found = lookUp(kid);
      if (found) return found;
      await ring.refresh();
      return lookUp(kid);
    },
  };
}
