// JOSE on the key ring's asymmetric keys, for the gateway's signed notices (compact JWS, ES256) and its encrypted
// payment instructions (compact JWE, RSA-OAEP-256 with A256GCM): the kid in each header names the key, so what was
// made before a rotation still verifies or decrypts until the key is retired. Never logs a payload or a key.

import type { CompactJWSHeaderParameters, JWSHeaderParameters, CompactJWEHeaderParameters } from 'jose';
import { CompactSign, compactDecrypt, compactVerify, errors } from 'jose';
import { KeyRingError } from './key-errors';
import type { KeyRing } from './key-ring';

/** The JWS `typ` of the gateway's notices unless told otherwise. */
export const NOTICE_TYPE = 'settleflow-notice+jws';

/**
 * Signs `payload` (an object as JSON, or bytes) with the current signing key: a compact JWS whose header names the
 * key (`kid`), its algorithm (ES256) and `typ`.
 */
export async function signCompact(
  ring: KeyRing,
  payload: Uint8Array | Record<string, unknown>,
  header: Partial<CompactJWSHeaderParameters> = {},
): Promise<string> {
  const { kid, alg, privateKey } = ring.signingKey();
  const bytes = payload instanceof Uint8Array ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
  return new CompactSign(bytes).setProtectedHeader({ typ: NOTICE_TYPE, ...header, alg, kid }).sign(privateKey);
}

/**
 * Verifies a compact JWS made by {@link signCompact} under any signing key that is not retired.
 * @throws KeyRingError (`unknown_key_id`, `key_retired`) or jose's `JWSSignatureVerificationFailed` when tampered
 */
export async function verifyCompact(
  ring: KeyRing,
  jws: string,
): Promise<{ payload: Uint8Array; protectedHeader: JWSHeaderParameters }> {
  return compactVerify(
    jws,
    (header) => {
      if (!header.kid) throw new KeyRingError('unknown_key_id', 'signing: the JWS header names no key id');
      return ring.verificationKey(header.kid);
    },
    { algorithms: ['ES256'] },
  );
}

/**
 * Decrypts a compact JWE encrypted to one of the gateway's payment-instruction keys (RSA-OAEP-256, A256GCM only),
 * also one past its JWKS grace period as long as it is not retired.
 * @throws KeyRingError (`unknown_key_id`, `key_retired`) or jose's `JWEDecryptionFailed` when tampered
 */
export async function decryptCompact(
  ring: KeyRing,
  jwe: string,
): Promise<{ plaintext: Uint8Array; protectedHeader: CompactJWEHeaderParameters }> {
  return compactDecrypt(
    jwe,
    (header) => {
      if (!header.kid) throw new KeyRingError('unknown_key_id', 'payment-instructions: the JWE header names no key id');
      return ring.decryptionKey(header.kid);
    },
    { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'] },
  );
}

/** jose's error classes, to tell a tampered JWS or JWE (`JWSSignatureVerificationFailed`, `JWEDecryptionFailed`). */
export { errors as joseErrors };
