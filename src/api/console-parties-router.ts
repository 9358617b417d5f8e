// Party management beyond registration, for the console: operators list parties (by role, with cursor paging) and
// edit a party's name and webhook URL. A webhook secret issued for a party's first URL is in that answer only.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { PartyAccount } from '../persistence/party-store';
import { findPartyAccount, listPartyAccounts, renameParty, setPartyWebhook } from '../persistence/party-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import type { ApiKeyCache } from './auth';
import { listPartiesRoute, updatePartyRoute } from './console-routes';
import { mountRoute } from './route-registry';
import { PARTY_ID_PATTERN } from './schemas';
import { assertWebhookUrlAccepted } from './webhooks-router';

/** The console's party routes; `keyCache` is cleared for an edited party, so its callers see the change at once. */
export function consolePartiesRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'config'>,
  authenticated: RequestHandler,
  keyCache: ApiKeyCache,
): Router {
  const router = Router({ caseSensitive: true });
  const guards = { authenticated };

  mountRoute(router, listPartiesRoute, guards, async (_req, res, { query }) => {
    const page = await listPartyAccounts(deps.db, { role: query.role }, { limit: query.limit, after: query.cursor });
    res.json({ data: page.parties, nextCursor: page.nextCursor ?? null });
  });

  mountRoute(router, updatePartyRoute, guards, async (req, res, { body }) => {
    const partyId = String(req.params.partyId);
    const notFound = new ApiError(404, 'not_found_error', 'party_not_found', `no party ${partyId}`, 'partyId');
    if (!PARTY_ID_PATTERN.test(partyId) || !(await findPartyAccount(deps.db, partyId))) throw notFound;
    if (typeof body.webhookUrl === 'string') await assertWebhookUrlAccepted(body.webhookUrl, deps.config);
    let party: PartyAccount | undefined;
    let webhookSecret: string | undefined;
    if (body.name !== undefined) party = await renameParty(deps.db, partyId, body.name);
    if (body.webhookUrl !== undefined) {
      const changed = await setPartyWebhook(deps.db, deps.vault, partyId, body.webhookUrl);
      party = changed?.party;
      webhookSecret = changed?.webhookSecret;
    }
    if (!party) throw notFound;
    keyCache.forget((holder) => holder.party.id === partyId);
    res.json(webhookSecret ? { ...party, webhookSecret } : party);
  });

  return router;
}
