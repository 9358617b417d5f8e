// The signed payment notification at the API's edge (SET's dual signature, with JOSE): the API checks the order
// information against the order, the customer's dual signature with the instruction's hash, the key it names, the
// time window and the notification's `jti` (once only), then deposits the still-encrypted instruction in the
// gateway's vault. It never decrypts the instruction (this process holds no payment-instructions private key) and
// every refusal happens before anything is charged.

import type { Connection } from 'mongoose';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import type { SealedCardPayment } from '../contracts/order-contract';
import type { OrderView } from '../domain/order';
import { depositInstruction, newToken } from '../gateway/vault/payment-instructions';
import { DUAL_SIGNATURE_TYPE, dualHash, instructionHash, orderInformationHash } from '../client-sdk/dual-signature';
import type { DualSignatureClaims } from '../client-sdk/dual-signature';
import type { Database } from '../persistence/database';
import { isDuplicateKeyError } from '../persistence/database';
import { customerKeyStatus, findCustomerKey } from '../persistence/customer-keys';
import { KeyRing } from '../security/key-ring';
import type { KeyVault } from '../security/purpose-keys';
import { ApiError, forbidden } from './api-error';
import { gatewayKeyError } from './payment-methods';
import type { SignedNotification } from './payment-methods';

/** The collection of signed notifications' ids seen (`<customerId>:<jti>`), so a replay is refused. */
export const PAYMENT_NOTIFICATION_IDS = 'payment_notification_ids';

/** A signed notification's id, taken by the request that first presented it. */
interface NotificationClaim {
  _id: string;
  at: Date;
  /** The instruction's vault token, the same for every retry of that request. */
  token: string;
  /** The request's Update id (from its Idempotency-Key, caller and body); absent without a key. */
  request?: string;
}

const claimsIndexed = new WeakSet<Database>();

/**
 * Deletes the ids of notifications taken before `olderThan`. A notification is accepted only within
 * `PAYMENT_NOTIFICATION_WINDOW_SECONDS` of its signing time, so an id taken more than twice that window ago can never
 * be presented again in time: keeping it would only grow the collection. FerretDB scans for the range (one command
 * per sweep); MongoDB uses the index on `at`.
 * @returns how many ids it deleted
 */
export async function sweepNotificationIds(db: Database, olderThan: Date): Promise<number> {
  const claims = (db.connection as Connection).collection<NotificationClaim>(PAYMENT_NOTIFICATION_IDS);
  return (await claims.deleteMany({ at: { $lt: olderThan } })).deletedCount;
}

/**
 * Takes a notification's id; answers its instruction's token, or undefined when another request took it. A retry of
 * the request that took it (the same Idempotency-Key and body, after a 504 or a lost answer) is the same request, not
 * a replay: it gets the first one's token and its Update attaches to the first one's, so it pays nothing twice.
 */
async function claimNotification(db: Database, claim: NotificationClaim): Promise<string | undefined> {
  const claims = (db.connection as Connection).collection<NotificationClaim>(PAYMENT_NOTIFICATION_IDS);
  if (!claimsIndexed.has(db)) {
    claimsIndexed.add(db);
    claims.createIndex({ at: 1 }).catch(() => claimsIndexed.delete(db));
  }
  try {
    await claims.insertOne(claim);
    return claim.token;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const first = await claims.findOne({ _id: claim._id });
  const sameRequest = claim.request !== undefined && first?.request === claim.request;
  return sameRequest && typeof first.token === 'string' ? first.token : undefined;
}

function refused(status: number, code: string, message: string, param: string | null = null): ApiError {
  return new ApiError(status, status === 403 ? 'permission_error' : 'invalid_request_error', code, message, param);
}

/** The dual signature's claims, when its payload is what the SDK signs. */
function claimsOf(payload: Uint8Array): DualSignatureClaims | undefined {
  try {
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<DualSignatureClaims>;
    if (typeof claims.dh !== 'string' || typeof claims.jti !== 'string' || typeof claims.iat !== 'number') return;
    if (claims.jti.length < 8 || claims.jti.length > 128) return;
    return claims as DualSignatureClaims;
  } catch {
    return undefined;
  }
}

/**
 * Checks a signed notification for `order` by `customerId` and deposits its instruction; answers the payment as it
 * travels through Temporal (the vault token; brand and last four are the gateway's to learn).
 * @throws ApiError 4xx, each with its own code (README, Payment notifications: error codes), before anything is paid
 */
export async function acceptSignedNotification(
  deps: { db: Database; vault: KeyVault; now: () => Date; windowSeconds: number },
  customerId: string,
  order: Pick<OrderView, 'orderId' | 'total' | 'customerId'>,
  body: SignedNotification,
  request?: string,
): Promise<SealedCardPayment> {
  const { orderInformation: oi, paymentInstruction: jwe, dualSignature } = body;
  // Another customer's order: refused as the workflow would (its total is not this caller's to compare against).
  if (order.customerId !== customerId) throw forbidden("only the order's customer pays it");
  if (
    oi.orderId !== order.orderId ||
    oi.amount.amount !== order.total.amount ||
    oi.amount.currency !== order.total.currency
  ) {
    throw refused(
      422,
      'order_information_mismatch',
      "the order information does not match the order (its id, or its total's amount or currency)",
      'orderInformation',
    );
  }

  let header: ReturnType<typeof decodeProtectedHeader>;
  let instructionHeader: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(dualSignature);
  } catch {
    throw refused(400, 'dual_signature_malformed', 'dualSignature: its header is not a JWS header', 'dualSignature');
  }
  try {
    instructionHeader = decodeProtectedHeader(jwe);
  } catch {
    throw refused(
      400,
      'payment_instruction_malformed',
      'paymentInstruction: its header is not a JWE header',
      'paymentInstruction',
    );
  }
  if (header.alg !== 'ES256' || header.typ !== DUAL_SIGNATURE_TYPE || typeof header.kid !== 'string') {
    throw refused(
      400,
      'dual_signature_malformed',
      `dualSignature: the header must name alg ES256, typ ${DUAL_SIGNATURE_TYPE} and the key's kid`,
      'dualSignature',
    );
  }

  // The customer's key: registered, theirs, neither revoked nor expired.
  const now = deps.now();
  const key = await findCustomerKey(deps.db, header.kid);
  if (!key) {
    throw refused(422, 'customer_key_unknown', `no key ${header.kid} is registered`, 'dualSignature');
  }
  if (key.partyId !== customerId) {
    throw refused(403, 'customer_key_not_yours', `key ${header.kid} is not one of your keys`, 'dualSignature');
  }
  const status = customerKeyStatus(key, now);
  if (status === 'revoked') {
    throw refused(422, 'customer_key_revoked', `key ${header.kid} was revoked`, 'dualSignature');
  }
  if (status === 'expired') {
    throw refused(422, 'customer_key_expired', `key ${header.kid} has expired`, 'dualSignature');
  }

  let claims: DualSignatureClaims | undefined;
  try {
    const verified = await compactVerify(dualSignature, await importJWK(key.jwk, 'ES256'), { algorithms: ['ES256'] });
    claims = claimsOf(verified.payload);
  } catch {
    throw refused(
      422,
      'dual_signature_invalid',
      'the dual signature does not verify under the key it names',
      'dualSignature',
    );
  }
  if (!claims) {
    throw refused(
      400,
      'dual_signature_malformed',
      'dualSignature: its payload must be {dh, jti, iat}',
      'dualSignature',
    );
  }
  if (claims.dh !== dualHash(orderInformationHash(oi), instructionHash(jwe))) {
    throw refused(
      422,
      'dual_signature_mismatch',
      'the dual signature does not cover this order information and payment instruction (one was changed)',
      'dualSignature',
    );
  }
  if (Math.abs(now.getTime() / 1000 - claims.iat) > deps.windowSeconds) {
    throw refused(
      422,
      'notification_expired',
      `the notification was signed outside the accepted window of ${deps.windowSeconds} s (iat)`,
      'dualSignature',
    );
  }

  // The instruction must be for one of the gateway's published keys, with the algorithms it takes.
  if (!(deps.vault instanceof KeyRing)) throw gatewayKeyError(new Error('no key ring'));
  const ring = deps.vault;
  const publishes = () =>
    ring.jwks().keys.some((candidate) => candidate.use === 'enc' && candidate.kid === instructionHeader.kid);
  // A key the gateway has just added: the key ring reloads once before the key counts as unknown.
  const published = publishes() || (await ring.refresh().then(publishes));
  if (!published || instructionHeader.alg !== 'RSA-OAEP-256' || instructionHeader.enc !== 'A256GCM') {
    throw refused(
      422,
      'instruction_key_unknown',
      'paymentInstruction: not encrypted to a published payment-instruction key (RSA-OAEP-256, A256GCM)',
      'paymentInstruction',
    );
  }

  // Once only: the notification's id is taken before the payment starts, with the instruction's token.
  const token = await claimNotification(deps.db, {
    _id: `${customerId}:${claims.jti}`,
    at: now,
    token: newToken(),
    ...(request === undefined ? {} : { request }),
  });
  if (token === undefined) {
    throw refused(409, 'notification_replayed', `notification ${claims.jti} was sent before`, 'dualSignature');
  }

  await depositInstruction(deps.db, {
    method: oi.method,
    customerId,
    jwe,
    display: { brand: oi.method === 'card' ? 'card' : oi.method, last4: '????' },
    link: { dualSignature, oiHash: orderInformationHash(oi), kid: header.kid },
    now,
    token,
  });
  return { method: oi.method, sealedCard: token, brand: oi.method === 'card' ? 'card' : oi.method, last4: '????' };
}
