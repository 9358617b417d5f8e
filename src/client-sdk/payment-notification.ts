// settleflow's client SDK for customers: builds a signed payment notification from the customer's key pair and the
// gateway's published encryption key. The payment instruction (card or account data) is encrypted to the gateway
// (JWE, RSA-OAEP-256 with A256GCM), so settleflow's API and workflows can never read it; the dual signature ties it
// to the order information. Runs in the customer's process; never sends or logs the instruction in clear.

import { randomUUID } from 'node:crypto';
import type { JWK, KeyLike } from 'jose';
import { CompactEncrypt, CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { DualSignatureClaims, OrderInformation } from './dual-signature';
import { DUAL_SIGNATURE_TYPE, dualHash, instructionHash, orderInformationHash } from './dual-signature';

/** A payment instruction in clear, as only the customer and the gateway ever see it. */
export type PaymentInstructionInput =
  | { method: 'card'; card: { number: string; expMonth: number; expYear: number; cvc: string } }
  | { method: 'echeck'; echeck: { iban: string; accountHolder: string } }
  | { method: 'ecash'; ecash: { walletId: string } };

/** The body of a signed payment notification (POST /v1/orders/{orderId}/payment-notification). */
export interface SignedPaymentNotification {
  orderInformation: OrderInformation;
  /** The instruction encrypted to the gateway: a compact JWE. */
  paymentInstruction: string;
  /** The customer's compact JWS (ES256) over the dual hash, with `jti` and `iat`; its header names the key. */
  dualSignature: string;
}

/** A customer's signing key pair as JWKs, with its key id (the public key's RFC 7638 thumbprint). */
export interface CustomerKeyPair {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

/** A new ES256 key pair for a customer; register `publicJwk` at POST /v1/parties/me/keys. */
export async function generateCustomerKey(): Promise<CustomerKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  return { kid: await customerKeyId(publicJwk), publicJwk, privateJwk };
}

/** A public key's id: its RFC 7638 thumbprint (SHA-256, base64url), as settleflow names registered keys. */
export async function customerKeyId(publicJwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicJwk, 'sha256');
}

/** The gateway's current encryption key from its JWKS (`use: enc`, RSA-OAEP-256): the first one listed. */
export function gatewayEncryptionKey(jwks: { keys: Array<JWK & { use?: string; kid?: string }> }): JWK & {
  kid: string;
} {
  const key = jwks.keys.find((candidate) => candidate.use === 'enc' && candidate.alg === 'RSA-OAEP-256');
  if (!key?.kid) throw new Error('the JWKS holds no payment-instruction key (use enc, RSA-OAEP-256)');
  return key as JWK & { kid: string };
}

/** Fetches the gateway's JWKS from settleflow's API (`GET /.well-known/jwks.json`). */
export async function fetchGatewayJwks(baseUrl: string): Promise<{ keys: Array<JWK & { use?: string }> }> {
  const response = await fetch(new URL('/.well-known/jwks.json', baseUrl));
  if (!response.ok) throw new Error(`GET /.well-known/jwks.json answered ${response.status}`);
  return (await response.json()) as { keys: Array<JWK & { use?: string }> };
}

/**
 * Builds a signed payment notification: the instruction encrypted to `gatewayKey`, the dual signature by
 * `customerKey` over it and `orderInformation`, with a fresh `jti` and `iat` (now, unless given).
 */
export async function buildSignedNotification(input: {
  orderInformation: OrderInformation;
  instruction: PaymentInstructionInput;
  customerKey: { kid: string; privateJwk: JWK } | { kid: string; privateKey: KeyLike };
  gatewayKey: JWK & { kid: string };
  jti?: string;
  issuedAt?: Date;
}): Promise<SignedPaymentNotification> {
  if (input.instruction.method !== input.orderInformation.method) {
    throw new Error('the order information and the instruction name different payment methods');
  }
  const gatewayPublicKey = await importJWK(input.gatewayKey, 'RSA-OAEP-256');
  const paymentInstruction = await new CompactEncrypt(Buffer.from(JSON.stringify(input.instruction), 'utf8'))
    .setProtectedHeader({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: input.gatewayKey.kid,
      typ: 'settleflow-payment-instruction+jwe',
    })
    .encrypt(gatewayPublicKey);
  const claims: DualSignatureClaims = {
    dh: dualHash(orderInformationHash(input.orderInformation), instructionHash(paymentInstruction)),
    jti: input.jti ?? randomUUID(),
    iat: Math.floor((input.issuedAt ?? new Date()).getTime() / 1000),
  };
  const signingKey =
    'privateKey' in input.customerKey
      ? input.customerKey.privateKey
      : await importJWK(input.customerKey.privateJwk, 'ES256');
  const dualSignature = await new CompactSign(Buffer.from(JSON.stringify(claims), 'utf8'))
    .setProtectedHeader({ alg: 'ES256', kid: input.customerKey.kid, typ: DUAL_SIGNATURE_TYPE })
    .sign(signingKey);
  return { orderInformation: input.orderInformation, paymentInstruction, dualSignature };
}
