// Parties: operators register sellers, customers, suppliers, carriers and other operators; every party can
// read who it is. The API key (and webhook secret) of a new party is in the creation answer only.

import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { RequestHandler } from 'express';
import { isDuplicateKeyError } from '../persistence/database';
import { registerParty } from '../persistence/party-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import { callerOf, requireRole } from './auth';
import { markAnswerSecret } from './idempotency';
import { createPartyBody, parseRequest } from './schemas';
import { assertWebhookUrlAccepted } from './webhooks-router';

/** Party routes; `authenticated` resolves the caller and `idempotent` guards POSTs. */
export function partiesRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'config'>,
  authenticated: RequestHandler,
  idempotent: RequestHandler,
): Router {
  const router = Router();

  router.post('/v1/parties', authenticated, requireRole('operator'), idempotent, async (req, res) => {
    const body = parseRequest(createPartyBody, req.body);
    if (body.webhookUrl !== undefined) await assertWebhookUrlAccepted(body.webhookUrl, deps.config);
    const id = body.id ?? `pty_${randomBytes(10).toString('hex')}`;
    try {
      const party = await registerParty(deps.db, deps.vault, { ...body, id });
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

  return router;
}
