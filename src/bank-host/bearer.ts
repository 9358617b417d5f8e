// The bank host's check of a caller's `Authorization: Bearer <token>` against the tokens it accepts (the control API's
// admin token, the ISO 20022 channel's tokens). Compares SHA-256 digests in constant time, so neither a token's
// length nor its content leaks through timing; never logs a token.

import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A check of a request's Authorization header against `tokens` (several during a rotation: any of them is accepted).
 * @returns whether the header carries one of them as a bearer token
 */
export function bearerCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  const accepted = tokens.map(digest);
  return (authorization) => {
    const header = authorization ?? '';
    const given = digest(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '');
    // Every accepted digest is compared, whichever matches, so the time does not say which one did.
    return accepted.reduce((found, expected) => timingSafeEqual(given, expected) || found, false);
  };
}
