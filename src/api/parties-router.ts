// Parties: operators register sellers, customers, suppliers, carriers and other operators, disable and enable them,
// and issue and revoke their API keys; every party can read who it is. An API key (and webhook secret) is in the
// answer that issued it only, never in a later answer, a log or the database in clear.

import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
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
import { callerOf, requireRole } from './auth';
import { markAnswerSecret } from './idempotency';
import type { PartyAccountCache } from './orders-router';
import { ID_PATTERN, createPartyBody, issueApiKeyBody, parseRequest, partyStatusBody } from './schemas';
import { assertWebhookUrlAccepted } from './webhooks-router';

function partyNotFound(partyId: string): ApiError {
  return new ApiError(404, 'not_found_error', 'party_not_found', `no party ${partyId}`, 'partyId');
}

function partyIdOf(req: Request): string {
  const partyId = String(req.params.partyId);
  if (!ID_PATTERN.test(partyId)) throw partyNotFound(partyId);
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
  const router = Router();
  const operator = requireRole('operator');
  const forgetKeysOf = (partyId: string) => keyCache.forget((holder) => holder.party.id === partyId);

  router.post('/v1/parties', authenticated, operator, idempotent, async (req, res) => {
    const body = parseRequest(createPartyBody, req.body);
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

  router.get('/v1/parties/me', authenticated, (_req, res) => {
    res.json(callerOf(res));
  });

  router.get('/v1/parties/:partyId', authenticated, operator, async (req, res) => {
    const partyId = partyIdOf(req);
    const party = await findPartyAccount(deps.db, partyId);
    if (!party) throw partyNotFound(partyId);
    res.json(party);
  });

  const setDisabled = (disabled: boolean): RequestHandler => {
    return async (req, res) => {
      parseRequest(partyStatusBody, req.body);
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
  router.post('/v1/parties/:partyId/disable', authenticated, operator, idempotent, setDisabled(true));
  router.post('/v1/parties/:partyId/enable', authenticated, operator, idempotent, setDisabled(false));

  router.get('/v1/parties/:partyId/keys', authenticated, operator, async (req, res) => {
    const partyId = partyIdOf(req);
    if (!(await findPartyAccount(deps.db, partyId))) throw partyNotFound(partyId);
    res.json({ data: await listApiKeys(deps.db, partyId, deps.now()) });
  });

  router.post('/v1/parties/:partyId/keys', authenticated, operator, idempotent, async (req, res) => {
    const { graceSeconds } = parseRequest(issueApiKeyBody, req.body);
    const partyId = partyIdOf(req);
    const issued = await issueApiKey(deps.db, partyId, { graceSeconds, now: deps.now() });
    if (!issued) throw partyNotFound(partyId);
    forgetKeysOf(partyId);
    markAnswerSecret(res);
    res.status(201).json(issued);
  });

  router.delete('/v1/parties/:partyId/keys/:keyId', authenticated, operator, async (req, res) => {
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
