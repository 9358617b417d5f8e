// The gateway's run-time settings (operators only): read them with their defaults and effect, replace them (validated,
// against the version read, so two operators never overwrite each other unseen), and read the audit trail. New orders
// are placed with the effective settings; a setting that changes nothing yet says so (`storedOnly`).

import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { findParty } from '../persistence/party-store';
import type { GatewaySettings } from '../persistence/settings-store';
import {
  SETTINGS_CACHE_MS,
  SettingsVersionConflict,
  effectiveSettings,
  listSettingsAudit,
  readSettings,
  replaceSettings,
} from '../persistence/settings-store';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import { callerOf } from './auth';
import { getSettingsRoute, putSettingsRoute, settingsAuditRoute } from './console-routes';
import { mountRoute } from './route-registry';

/** Settings that are stored and shown but do not change what the gateway does yet (none: capture applies to new orders). */
export const STORED_ONLY_SETTINGS: string[] = [];

function settingsAnswer(config: Config, stored: Awaited<ReturnType<typeof readSettings>>) {
  return {
    ...stored,
    defaults: {
      defaultDeadlines: config.defaultDeadlines,
      paymentMaxAttempts: config.paymentMaxAttempts,
      gatewayFee: config.gatewayFee,
    },
    effective: effectiveSettings(config, stored.settings),
    storedOnly: STORED_ONLY_SETTINGS,
    takesEffectWithinMs: SETTINGS_CACHE_MS,
  };
}

/** The settings routes; `authenticated` resolves the caller. */
export function consoleSettingsRouter(
  deps: Pick<ApiDeps, 'db' | 'config' | 'now'>,
  authenticated: RequestHandler,
): Router {
  const router = Router({ caseSensitive: true });
  const guards = { authenticated };

  mountRoute(router, getSettingsRoute, guards, async (_req, res) => {
    res.json(settingsAnswer(deps.config, await readSettings(deps.db)));
  });

  mountRoute(router, putSettingsRoute, guards, async (_req, res, { body }) => {
    const settings = body.settings as GatewaySettings;
    for (const sellerId of Object.keys(settings.sellers)) {
      const party = await findParty(deps.db, sellerId);
      if (!party || party.role !== 'seller') {
        throw new ApiError(
          422,
          'invalid_request_error',
          'unknown_party',
          `${sellerId} is not a registered seller`,
          `settings.sellers.${sellerId}`,
        );
      }
    }
    try {
      const stored = await replaceSettings(deps.db, {
        settings,
        expectedVersion: body.version,
        operatorId: callerOf(res).id,
        now: deps.now(),
      });
      res.json(settingsAnswer(deps.config, stored));
    } catch (error) {
      if (error instanceof SettingsVersionConflict) {
        throw new ApiError(409, 'conflict_error', error.code, error.message, 'version');
      }
      throw error;
    }
  });

  mountRoute(router, settingsAuditRoute, guards, async (_req, res, { query }) => {
    const page = await listSettingsAudit(deps.db, { limit: query.limit, before: query.cursor });
    res.json({ data: page.entries, nextCursor: page.nextCursor === undefined ? null : String(page.nextCursor) });
  });

  return router;
}
