// The gateway's second check of a signed payment notification's link: the customer's dual signature must cover the
// order information the API checked and exactly this encrypted instruction, so an instruction swapped in after the
// API's check is never opened. Reads the customer's registered public keys; never decrypts.

import { compactVerify, importJWK } from 'jose';
import { dualHash, instructionHash } from '../../client-sdk/dual-signature';
import { findCustomerKey } from '../../persistence/customer-keys';
import type { Database } from '../../persistence/database';
import type { InstructionLink } from './payment-instructions';

/** The link does not hold: the instruction is not opened (the payment is declined as unreadable). */
export class InstructionLinkBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstructionLinkBroken';
  }
}

/** How many customers' keys the gateway keeps imported. */
const KEYS_KEPT = 1_000;
const keysKept = new Map<string, { partyId: string; publicKey: Awaited<ReturnType<typeof importJWK>> }>();

/**
 * The registered key `kid`, imported, or undefined. Kept once found: a key's id is its public JWK's thumbprint and
 * its owner never changes (keys are revoked, never deleted or reassigned), and revocation does not matter here (see
 * verifyInstructionLink), so a kept key is never stale. The oldest is forgotten past {@link KEYS_KEPT}.
 */
async function customerKey(db: Pick<Database, 'connection'>, kid: string) {
  const kept = keysKept.get(kid);
  if (kept) return kept;
  const record = await findCustomerKey(db, kid);
  if (!record) return undefined;
  const key = { partyId: record.partyId, publicKey: await importJWK(record.jwk, 'ES256') };
  keysKept.set(kid, key);
  if (keysKept.size > KEYS_KEPT) keysKept.delete(keysKept.keys().next().value as string);
  return key;
}

/**
 * Checks that `link`'s dual signature, by `customerId`'s key it names, covers `link.oiHash` and SHA-256 of `jwe`.
 * A key revoked after the API accepted the notification still verifies what was signed before.
 * @throws InstructionLinkBroken when it does not
 */
export async function verifyInstructionLink(
  db: Pick<Database, 'connection'>,
  customerId: string,
  jwe: string,
  link: InstructionLink,
): Promise<void> {
  const key = await customerKey(db, link.kid);
  if (!key || key.partyId !== customerId) throw new InstructionLinkBroken(`key ${link.kid} is not the customer's`);
  let dh: unknown;
  try {
    const { payload, protectedHeader } = await compactVerify(link.dualSignature, key.publicKey, {
      algorithms: ['ES256'],
    });
    if (protectedHeader.kid !== link.kid) throw new InstructionLinkBroken('the signature names another key');
    dh = (JSON.parse(Buffer.from(payload).toString('utf8')) as { dh?: unknown }).dh;
  } catch (error) {
    if (error instanceof InstructionLinkBroken) throw error;
    throw new InstructionLinkBroken('the dual signature does not verify');
  }
  if (dh !== dualHash(link.oiHash, instructionHash(jwe))) {
    throw new InstructionLinkBroken('the dual signature does not cover this instruction');
  }
}
