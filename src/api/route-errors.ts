// The shared error answers every operation documents (what each status means, with the error schema). Split from
// routes.ts so that route modules of their own (console-routes.ts) use them without importing routes.ts back.

import type { RouteResponse } from './route-registry';
import { errorSchema } from './response-schemas';

/** What each error status means, as every operation documents it. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400':
    'The request breaks the documented schema: `invalid_json`, `parameter_missing`, `parameter_invalid`, `parameter_unknown`, `invalid_idempotency_key`, `body_too_deep`; `param` names the field.',
  '401': 'Missing or invalid API key (`authentication_error`); see `WWW-Authenticate`.',
  '403':
    "The caller's role or party may not do this (`permission_error` `forbidden`), or its party is disabled (`party_disabled`).",
  '404': 'No such resource (`not_found_error`).',
  '409':
    '`conflict_error` (`order_exists`, `party_exists`, `cannot_disable_self`, `order_not_at_step`, `already_answered`, ...) or `idempotency_error` `idempotency_key_in_progress`.',
  '413': 'The body exceeds the size limit (`body_too_large`).',
  '415': 'The body is not JSON (`unsupported_media_type`).',
  '422':
    'The request matches the schema but a rule it cannot state refuses it: `unknown_party`, `party_disabled` (a new order names a disabled party), `invalid_card_number` (Luhn), `invalid_cursor`, `webhook_url_refused`, a domain rule (`reservation_mismatch`, `duplicate_sku`, `currency_mismatch`, `zero_total`, ...), or `idempotency_error` `idempotency_key_reused` (the key was used with another request).',
  '429':
    'Past `API_RATE_PER_MINUTE` for the key, or `PAYMENT_RATE_PER_MINUTE` payment notifications (`rate_limited`); retry after `Retry-After` seconds.',
  '500': 'Our failure (`api_error`); safe to retry.',
  '502':
    'The order workflow or the payment gateway failed in a way the API cannot map (`upstream_error`, `gateway_error`).',
  '503': 'Temporal or MongoDB is unreachable (`service_unavailable`); retry shortly.',
  '504':
    'The order did not answer within `API_UPDATE_TIMEOUT_MS` (`update_timeout`); retrying with the same Idempotency-Key attaches to the same Update.',
};

const RATE_LIMIT_HEADERS: RouteResponse['headers'] = {
  'Retry-After': { description: 'Seconds until the key may call again.', schema: { type: 'integer' } },
};

/**
 * The shared error answers of an operation: the given statuses plus 500 and 503, which any operation may answer; an
 * authenticated one (401) also answers 403 and 429, and one with a body (400) 413, 415 and 422.
 */
export function errorResponses(...statuses: number[]): Record<string, RouteResponse> {
  const all = new Set(statuses.map(String));
  if (all.has('401')) ['403', '429'].forEach((status) => all.add(status));
  if (all.has('400')) ['413', '415', '422'].forEach((status) => all.add(status));
  ['500', '503'].forEach((status) => all.add(status));
  return Object.fromEntries(
    [...all].sort().map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'An error.',
        schema: errorSchema,
        ...(status === '429' ? { headers: RATE_LIMIT_HEADERS } : {}),
      },
    ]),
  );
}
