// The one table from domain errors to Update failures and HTTP answers: the workflow's validators turn a domain
// error into an Update failure with it, and the API turns that failure (or a domain error thrown in the API itself)
// back into an HTTP status with it. Pure and free of I/O: workflow code imports it. Never add a second mapping.

import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../domain/errors';

/** How the API answers one kind of domain error: its HTTP status, Stripe-style error type and default code. */
export interface DomainErrorAnswer {
  status: 403 | 409 | 422;
  type: 'invalid_request_error' | 'permission_error' | 'conflict_error';
  defaultCode: string;
}

/**
 * Domain error class name (also the Update failure's `type`) → HTTP answer. The failure's `details[0]` carries the
 * error's own `{ code, param }`, e.g. 409 `already_answered`, `payment_in_progress`, `payment_attempts_exhausted`,
 * `order_needs_attention`, `action_not_applicable`; 403 `forbidden`; 422 `reservation_mismatch` (a rule the request's
 * schema cannot state: the request is well formed, the order or the other fields refuse it).
 */
export const DOMAIN_ERROR_ANSWERS: Readonly<Record<string, DomainErrorAnswer>> = {
  OrderStateConflict: { status: 409, type: 'conflict_error', defaultCode: 'order_not_at_step' },
  OrderForbidden: { status: 403, type: 'permission_error', defaultCode: 'forbidden' },
  DomainError: { status: 422, type: 'invalid_request_error', defaultCode: 'invalid_request' },
};

/** The HTTP answer of a domain error thrown in the API, by its class (name); plain DomainError when unknown. */
export function answerForDomainError(error: DomainError): DomainErrorAnswer {
  return DOMAIN_ERROR_ANSWERS[error.name] ?? (DOMAIN_ERROR_ANSWERS.DomainError as DomainErrorAnswer);
}

/**
 * Turns a domain error into the failure an Update handler or validator throws: non-retryable, typed by the error's
 * class, with `{ code, param }` in details; anything else is returned as it is.
 */
export function toUpdateFailure(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    details: [{ code: error.code, param: error.param }],
    nonRetryable: true,
  });
}

/** The HTTP answer to an Update failure of `type` with details `{ code, param }`; undefined for a type not in the table. */
export function answerForUpdateFailure(
  type: string | undefined | null,
  details: unknown,
): { status: number; type: DomainErrorAnswer['type']; code: string; param: string | null } | undefined {
  const answer = type ? DOMAIN_ERROR_ANSWERS[type] : undefined;
  if (!answer) return undefined;
  const detail = (details ?? {}) as { code?: unknown; param?: unknown };
  return {
    status: answer.status,
    type: answer.type,
    code: typeof detail.code === 'string' ? detail.code : answer.defaultCode,
    param: typeof detail.param === 'string' ? detail.param : null,
  };
}
