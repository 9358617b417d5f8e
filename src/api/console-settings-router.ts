// The gateway's run-time settings (operators only): read them with their defaults and effect, replace them (validated,
// against the version read, so two operators never overwrite each other unseen), and read the audit trail. New orders
// are placed with the effective settings; a setting that changes nothing yet says so (`storedOnly`).

import { Router } from 'express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { MAX_AMOUNT_MINOR } from '../domain/money';
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
import { callerOf, requireRole } from './auth';
import { ID_PATTERN, MAX_DEADLINE_MS, MIN_DEADLINE_MS, parseRequest } from './schemas';

const deadlineMs = z.int().min(MIN_DEADLINE_MS).max(MAX_DEADLINE_MS);
const feeSchema = z.strictObject({
  bps: z.int().min(0).max(10_000),
  fixedMinor: z.int().min(0).max(MAX_AMOUNT_MINOR),
});

/** Most sellers with settings of their own. */
export const MAX_SELLER_SETTINGS = 1000;

/** The settings document an operator writes. */
export const gatewaySettingsSchema = z.strictObject({
  defaultDeadlines: z
    .strictObject({
      supplierAnswerMs: deadlineMs.optional(),
      carrierAnswerMs: deadlineMs.optional(),
      paymentMs: deadlineMs.optional(),
      deliveryMs: deadlineMs.optional(),
      sellerConfirmationMs: deadlineMs.optional(),
      disputeResolutionMs: deadlineMs.optional(),
    })
    .default({}),
  paymentMaxAttempts: z.int().min(1).max(50).optional(),
  gatewayFee: feeSchema.optional(),
  sellers: z
    .record(
      z.string().regex(ID_PATTERN, 'must be a party id'),
      z.strictObject({
        fee: feeSchema.optional(),
        capture: z.enum(['IMMEDIATE', 'ON_SHIPMENT']).optional(),
      }),
    )
    .refine((sellers) => Object.keys(sellers).length <= MAX_SELLER_SETTINGS, `at most ${MAX_SELLER_SETTINGS} sellers`)
    .default({}),
});

/** `PUT /v1/settings`. */
export const putSettingsBody = z.strictObject({
  version: z.int().min(0),
  settings: gatewaySettingsSchema,
});

/** `GET /v1/settings/audit` query string. */
export const settingsAuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number().int().min(1).optional(),
});

/** Settings that are stored and shown but do not change what the gateway does yet. */
export const STORED_ONLY_SETTINGS = ['sellers.*.capture'];

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
  const router = Router();
  const operator = requireRole('operator');

  router.get('/v1/settings', authenticated, operator, async (_req, res) => {
    res.json(settingsAnswer(deps.config, await readSettings(deps.db)));
  });

  router.put('/v1/settings', authenticated, operator, async (req, res) => {
    const body = parseRequest(putSettingsBody, req.body);
    const settings = body.settings as GatewaySettings;
    for (const sellerId of Object.keys(settings.sellers)) {
      const party = await findParty(deps.db, sellerId);
      if (!party || party.role !== 'seller') {
        throw new ApiError(
          400,
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

  router.get('/v1/settings/audit', authenticated, operator, async (req, res) => {
    const query = parseRequest(settingsAuditQuery, req.query);
    const page = await listSettingsAudit(deps.db, { limit: query.limit, before: query.cursor });
    res.json({ data: page.entries, nextCursor: page.nextCursor === undefined ? null : String(page.nextCursor) });
  });

  return router;
}
