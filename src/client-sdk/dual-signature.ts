// The dual signature of a signed payment notification (SET's, in JOSE terms): the customer signs SHA-256 of the two
// parts' SHA-256 digests, so the API can check the order information without seeing the payment instruction and the
// gateway can check the instruction without trusting the API. Pure: hashing only, shared by the client SDK, the API
// and the gateway worker; never sees a key or an instrument in clear.

import { createHash } from 'node:crypto';

/** The order information: what settleflow's API reads and checks against the order. */
export interface OrderInformation {
  orderId: string;
  amount: { amount: number; currency: string };
  method: 'card' | 'echeck' | 'ecash';
}

/** The JWS `typ` of a dual signature. */
export const DUAL_SIGNATURE_TYPE = 'settleflow-dual-signature+jws';

/** The claims a dual signature signs. */
export interface DualSignatureClaims {
  /** base64url SHA-256(SHA-256(OI) || SHA-256(PI)). */
  dh: string;
  /** A unique id of this notification: a second one with the same id is refused. */
  jti: string;
  /** When it was signed (seconds since the epoch): outside the API's window it is refused. */
  iat: number;
}

/** The order information's canonical bytes: its fields in a fixed order, as JSON. */
export function canonicalOrderInformation(oi: OrderInformation): string {
  return JSON.stringify({
    orderId: oi.orderId,
    amount: { amount: oi.amount.amount, currency: oi.amount.currency },
    method: oi.method,
  });
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 (base64url) of the order information's canonical bytes. */
export function orderInformationHash(oi: OrderInformation): string {
  return sha256(canonicalOrderInformation(oi)).toString('base64url');
}

/** SHA-256 (base64url) of the payment instruction: its compact JWE, as sent. */
export function instructionHash(jwe: string): string {
  return sha256(Buffer.from(jwe, 'ascii')).toString('base64url');
}

/** The dual hash (base64url): SHA-256 of the two base64url digests' bytes, OI's first. */
export function dualHash(oiHash: string, piHash: string): string {
  return sha256(Buffer.concat([Buffer.from(oiHash, 'base64url'), Buffer.from(piHash, 'base64url')])).toString(
    'base64url',
  );
}
