// Parties: operators register sellers, customers, suppliers, carriers and other operators, disable and enable them,
// and issue and revoke their API keys; every party can read who it is. An API key (and webhook secret) is in the
// answer that issued it only, never in a later answer, a log or the database in clear.

import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { customerKeyId } from '../client-sdk/payment-notification';
import {
  customerKeyView,
  listCustomerKeys,
  registerCustomerKey,
  revokeCustomerKey,
} from '../persistence/customer-keys';
import { isDuplicateKeyError } from '../persistence/database';
import {
  findPartyAccount,
  issueApiKey,
  listApiKeys,
  registerParty,
  revokeApiKey,
  setPartyDisabled,
} from '../persistence/party-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import type { ApiKeyCache } from './auth';
import { callerOf } from './auth';
import { markAnswerSecret } from './idempotency';
import type { PartyAccountCache } from './orders-router';
import { listCustomerKeysRoute, registerCustomerKeyRoute, revokeCustomerKeyRoute } from './customer-key-routes';
import { mountRoute } from './route-registry';
import {
  createPartyRoute,
  currentPartyRoute,
  disablePartyRoute,
  enablePartyRoute,
  getPartyRoute,
  issueApiKeyRoute,
  listApiKeysRoute,
  revokeApiKeyRoute,
} from './routes';
import { PARTY_ID_PATTERN } from './schemas';
import { assertWebhookUrlAccepted } from './webhooks-router';

function partyNotFound(partyId: string): ApiError {
  return new ApiError(404, 'not_found_error', 'party_not_found', `no party ${partyId}`, 'partyId');
}

function partyIdOf(req: Request): string {
  const partyId = String(req.params.partyId);
  if (!PARTY_ID_PATTERN.test(partyId)) throw partyNotFound(partyId);
  return partyId;
}

/**
 * Party routes; `authenticated` resolves the caller and `idempotent` guards POSTs. `keyCache` is the
 * authentication's cache, cleared for a party whose keys or status change, and `partyCache` the orders' cache of
 * named parties, cleared for a party whose status changes, so this process sees either at once.
 */
export function partiesRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'config' | 'now'>,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
  keyCache: ApiKeyCache,
  partyCache?: PartyAccountCache,
): Router {
  const router = Router({ caseSensitive: true });
  const guards = { authenticated, idempotent };
  const forgetKeysOf = (partyId: string) => keyCache.forget((holder) => holder.party.id === partyId);

  // The caller's public keys for signed payment notifications; mounted before /v1/parties/{partyId}/... so `me` is
  // never taken for a party id.
  mountRoute(router, registerCustomerKeyRoute, guards, async (_req, res, { body }) => {
    const partyId = callerOf(res).id;
    const { kty, crv, x, y } = body.jwk;
    const jwk = { kty, crv, x, y };
    const now = deps.now();
    const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
    const registered = await registerCustomerKey(deps.db, {
      kid: await customerKeyId(jwk),
      partyId,
      jwk,
      expiresAt,
      now,
    });
    if (registered === 'taken') {
      throw new ApiError(409, 'conflict_error', 'customer_key_taken', 'another party registered this key', 'jwk');
    }
    res.status(registered.created ? 201 : 200).json(customerKeyView(registered.record, now));
  });

  mountRoute(router, listCustomerKeysRoute, guards, async (_req, res) => {
    const now = deps.now();
    res.json({ data: (await listCustomerKeys(deps.db, callerOf(res).id)).map((key) => customerKeyView(key, now)) });
  });

  mountRoute(router, revokeCustomerKeyRoute, guards, async (req, res) => {
    const kid = String(req.params.kid);
    const now = deps.now();
    const revoked = /^[A-Za-z0-9_-]{43}$/.test(kid)
      ? await revokeCustomerKey(deps.db, callerOf(res).id, kid, now)
      : null;
    if (!revoked) throw new ApiError(404, 'not_found_error', 'customer_key_not_found', `you have no key ${kid}`, 'kid');
    res.json(customerKeyView(revoked, now));
  });

  mountRoute(router, createPartyRoute, guards, async (_req, res, { body }) => {
    if (body.webhookUrl !== undefined) await assertWebhookUrlAccepted(body.webhookUrl, deps.config);
    const id = body.id ?? `pty_${randomBytes(10).toString('hex')}`;
    try {
      const party = await registerParty(deps.db, deps.vault, { ...body, id }, deps.now());
      markAnswerSecret(res);
      res.status(201).json(party);
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new ApiError(409, 'conflict_error', 'party_exists', `party ${id} already exists`, 'id');
      }
      throw error;
    }
  });

  // A disabled party's keys are refused before this answers, so the caller is never disabled. The answer is a
  // PartyAccount because `/v1/parties/me` is also `/v1/parties/{partyId}` with partyId "me" (getParty's shape).
  mountRoute(router, currentPartyRoute, guards, (_req, res) => {
    res.json({ ...callerOf(res), disabled: false });
  });

  mountRoute(router, getPartyRoute, guards, async (req, res) => {
    const partyId = partyIdOf(req);
    const party = await findPartyAccount(deps.db, partyId);
    if (!party) throw partyNotFound(partyId);
    res.json(party);
  });

  const setDisabled = (disabled: boolean) => {
    return async (req: Request, res: Response) => {
      const partyId = partyIdOf(req);
      if (disabled && partyId === callerOf(res).id) {
        throw new ApiError(409, 'conflict_error', 'cannot_disable_self', 'an operator cannot disable itself');
      }
      const party = await setPartyDisabled(deps.db, partyId, disabled, deps.now());
      if (!party) throw partyNotFound(partyId);
      forgetKeysOf(partyId);
      partyCache?.forget((known) => known.id === partyId);
      res.json(party);
    };
  };
  mountRoute(router, disablePartyRoute, guards, setDisabled(true));
  mountRoute(router, enablePartyRoute, guards, setDisabled(false));

  mountRoute(router, listApiKeysRoute, guards, async (req, res) => {
    const partyId = partyIdOf(req);
    if (!(await findPartyAccount(deps.db, partyId))) throw partyNotFound(partyId);
    res.json({ data: await listApiKeys(deps.db, partyId, deps.now()) });
  });

  mountRoute(router, issueApiKeyRoute, guards, async (req, res, { body }) => {
    const { graceSeconds } = body;
    const partyId = partyIdOf(req);
    const issued = await issueApiKey(deps.db, partyId, { graceSeconds, now: deps.now() });
    if (!issued) throw partyNotFound(partyId);
    forgetKeysOf(partyId);
    markAnswerSecret(res);
    res.status(201).json(issued);
  });

  mountRoute(router, revokeApiKeyRoute, guards, async (req, res) => {
    const partyId = partyIdOf(req);
    const keyId = String(req.params.keyId);
    const revoked = /^key_[A-Za-z0-9]{1,64}$/.test(keyId)
      ? await revokeApiKey(deps.db, partyId, keyId, deps.now())
      : undefined;
    if (!revoked) {
      throw new ApiError(404, 'not_found_error', 'api_key_not_found', `party ${partyId} has no key ${keyId}`, 'keyId');
    }
    forgetKeysOf(partyId);
    res.json(revoked);
  });

  return router;
}
