// Party management beyond registration, for the console: operators list parties (by role, with cursor paging) and
// edit a party's name and webhook URL. A webhook secret issued for a party's first URL is in that answer only.

import { Router } from 'express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PARTY_ROLES } from '../domain/order';
import type { PartyAccount } from '../persistence/party-store';
import { findPartyAccount, listPartyAccounts, renameParty, setPartyWebhook } from '../persistence/party-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import type { ApiKeyCache } from './auth';
import { requireRole } from './auth';
import { ID_PATTERN, parseRequest } from './schemas';
import { assertWebhookUrlAccepted } from './webhooks-router';

/** `GET /v1/parties` query string. */
export const listPartiesQuery = z.strictObject({
  role: z.enum(PARTY_ROLES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(ID_PATTERN).optional(),
});

/** `PATCH /v1/parties/:partyId`: a new name, a new webhook URL, or `null` to remove it. */
export const updatePartyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .optional(),
  })
  .refine((body) => body.name !== undefined || body.webhookUrl !== undefined, {
    message: 'send name or webhookUrl',
    params: { code: 'parameter_missing' },
  });

/** The console's party routes; `keyCache` is cleared for an edited party, so its callers see the change at once. */
export function consolePartiesRouter(
  deps: Pick<ApiDeps, 'db' | 'vault' | 'config'>,
  authenticated: RequestHandler,
  keyCache: ApiKeyCache,
): Router {
  const router = Router();
  const operator = requireRole('operator');

  router.get('/v1/parties', authenticated, operator, async (req, res) => {
    const query = parseRequest(listPartiesQuery, req.query);
    const page = await listPartyAccounts(deps.db, { role: query.role }, { limit: query.limit, after: query.cursor });
    res.json({ data: page.parties, nextCursor: page.nextCursor ?? null });
  });

  router.patch('/v1/parties/:partyId', authenticated, operator, async (req, res) => {
    const body = parseRequest(updatePartyBody, req.body ?? {});
    const partyId = String(req.params.partyId);
    const notFound = new ApiError(404, 'not_found_error', 'party_not_found', `no party ${partyId}`, 'partyId');
    if (!ID_PATTERN.test(partyId) || !(await findPartyAccount(deps.db, partyId))) throw notFound;
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
