// The API's error vocabulary: Stripe's `{ error: { type, code, message, param } }` shape, and the one place that
// turns every thrown thing (domain errors, zod failures, Temporal failures, body-parser errors) into it.
// Never echoes request bodies: parse errors and unexpected failures get generic messages.

import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { answerForDomainError, answerForUpdateFailure } from '../contracts/order-errors';
import type { Logger } from '../observability/logger';
import { routeOf } from '../observability/http-middleware';
import { InvalidCursorError } from '../persistence/order-store';

/** Stripe's error types, the first thing a client branches on. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'idempotency_error'
  | 'card_error'
  | 'api_error';

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  error: { type: ApiErrorType; code: string; message: string; param: string | null };
}

/** An error that already knows its HTTP answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly code: string;
  readonly param: string | null;

  constructor(status: number, type: ApiErrorType, code: string, message: string, param?: string | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param ?? null;
  }

  /** The error as the client sees it. */
  toBody(): ApiErrorBody {
    return { error: { type: this.type, code: this.code, message: this.message, param: this.param } };
  }
}

/** 404 for an order that does not exist (or whose id could not name one). */
export function orderNotFound(orderId: string): ApiError {
  return new ApiError(404, 'not_found_error', 'order_not_found', `no order ${orderId}`, 'orderId');
}

/** 403 for a caller acting outside its role or on someone else's order. */
export function forbidden(message: string): ApiError {
  return new ApiError(403, 'permission_error', 'forbidden', message);
}

/**
 * Turns a zod failure into a 400 naming the first issue's field in dot notation.
 * Unknown keys become `parameter_unknown` naming the key; missing fields `parameter_missing`. A custom issue (a
 * refinement: a rule the OpenAPI document cannot state) is a 422 and may carry its own code in `params.code`
 * (e.g. `invalid_card_number`).
 */
export function fromZodError(error: z.ZodError, input: unknown): ApiError {
  const issue = error.issues[0];
  if (!issue) return new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'invalid request');
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A body of several forms (the payment notification's plain and signed ones): the form it came closest to.
    const closest = [...issue.errors].sort(
      (a, b) => a.length - b.length || (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0),
    )[0] as z.core.$ZodIssue[];
    return fromZodError(
      new z.ZodError(closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }))),
      input,
    );
  }
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = [...path, key].join('.');
    return new ApiError(400, 'invalid_request_error', 'parameter_unknown', `unknown parameter: ${param}`, param);
  }
  const param = path.length > 0 ? path.join('.') : null;
  const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
  const customCode = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
  const code = typeof customCode === 'string' ? customCode : missing ? 'parameter_missing' : 'parameter_invalid';
  const message = missing ? `missing required parameter: ${param ?? 'body'}` : `${param ?? 'body'}: ${issue.message}`;
  return new ApiError(issue.code === 'custom' ? 422 : 400, 'invalid_request_error', code, message, param);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** 504 for an Update the order did not answer within `API_UPDATE_TIMEOUT_MS` (or no worker took up). */
export function updateTimeout(): ApiError {
  return new ApiError(
    504,
    'api_error',
    'update_timeout',
    'the order did not answer in time; retrying with the same Idempotency-Key attaches to the same Update and ' +
      'returns its outcome',
  );
}

/** 502 for a workflow failure the API has no mapping for: never a 500. */
function upstreamError(): ApiError {
  return new ApiError(502, 'api_error', 'upstream_error', 'the order workflow failed in a way the API cannot map');
}

/** 503 when Temporal (or the database) cannot be reached. */
function serviceUnavailable(): ApiError {
  return new ApiError(503, 'api_error', 'service_unavailable', 'a backing service is unavailable; retry shortly');
}

/**
 * Maps a failed Temporal call on an order's workflow to the client's answer, never a 500: Update rejections carry
 * their HTTP meaning in the ApplicationFailure's type and `{ code, param }` in details[0] (see
 * contracts/order-errors.ts); Temporal out of reach is 503; any other failure is 502 `upstream_error`.
 */
export function fromTemporalError(error: unknown, orderId: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return fromRejection(error.cause);
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof CancelledFailure) {
    // The workflow was cancelled (e.g. from Temporal UI) while this answer waited for it.
    return new ApiError(409, 'conflict_error', 'order_cancelling', `order ${orderId} was cancelled meanwhile`);
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ActivityFailure) {
    return new ApiError(502, 'api_error', 'gateway_error', 'the payment gateway could not complete the request');
  }
  if (error instanceof WorkflowNotFoundError) {
    // The server answers NOT_FOUND "workflow execution already completed" to an Update on a closed order.
    if (/already completed/i.test(error.message)) return orderClosed(orderId);
    return orderNotFound(orderId);
  }
  if (isGrpcServiceError(error) && error.code === 5) {
    if (/already completed/i.test(error.details)) return orderClosed(orderId);
    return orderNotFound(orderId);
  }
  if (error instanceof WorkflowUpdateFailedError && /already completed/i.test(error.message)) {
    return orderClosed(orderId);
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return updateTimeout();
  if (isGrpcServiceError(error) && error.code === 4) return updateTimeout();
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return new ApiError(409, 'conflict_error', 'order_exists', `order ${orderId} already exists`, 'orderId');
  }
  if (isUnavailable(error)) return serviceUnavailable();
  if (passedItsDeadline(error)) return updateTimeout();
  return upstreamError();
}

/**
 * Whether a call failed because the API's own deadline (`connection.withDeadline`, API_UPDATE_TIMEOUT_MS) ran out
 * while it waited, e.g. for a workflow's result: gRPC DEADLINE_EXCEEDED (4) anywhere in the error's cause chain.
 */
function passedItsDeadline(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth += 1) {
    if (isGrpcServiceError(cause) && cause.code === 4) return true;
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (code === 4 || (typeof message === 'string' && /DEADLINE_EXCEEDED|deadline exceeded/i.test(message)))
      return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** 409 for an action on an order whose workflow has completed (closed or cancelled). */
export function orderClosed(orderId: string): ApiError {
  return new ApiError(
    409,
    'conflict_error',
    'order_not_at_step',
    `order ${orderId} is closed and takes no more actions`,
  );
}

function fromRejection(failure: ApplicationFailure): ApiError {
  const answer = answerForUpdateFailure(failure.type, failure.details?.[0]);
  if (!answer) return upstreamError();
  return new ApiError(
    answer.status,
    answer.type,
    answer.code,
    failure.message || 'the order rejected the action',
    answer.param,
  );
}

/** What body-parser and the router throw for bad requests: an http-errors object with a 4xx status. */
interface HttpError {
  status: number;
  type?: string;
}

function isClientHttpError(error: unknown): error is HttpError {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function fromHttpError(error: HttpError): ApiError {
  if (error.type === 'entity.parse.failed') {
    return new ApiError(400, 'invalid_request_error', 'invalid_json', 'the request body is not valid JSON');
  }
  if (error.status === 413) {
    return new ApiError(413, 'invalid_request_error', 'body_too_large', 'the request body is too large');
  }
  if (error.status === 415) {
    return new ApiError(
      415,
      'invalid_request_error',
      'unsupported_media_type',
      'send the body as application/json (UTF-8)',
    );
  }
  return new ApiError(error.status, 'invalid_request_error', 'invalid_request', 'the request could not be read');
}

const MONGO_UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
]);

/** Whether an error (or one it wraps) says Temporal or MongoDB could not be reached: 503, not our bug. */
function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (isGrpcServiceError(e) && (e.code === 14 || e.code === 4)) return true;
    if (MONGO_UNAVAILABLE.has(e.name)) return true;
  }
  return false;
}

/** Maps any error to its answer; unavailable dependencies become 503, anything unknown a generic 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidCursorError) {
    return new ApiError(422, 'invalid_request_error', 'invalid_cursor', 'cursor is not one this API issued', 'cursor');
  }
  if (error instanceof DomainError) {
    const answer = answerForDomainError(error);
    return new ApiError(answer.status, answer.type, error.code, error.message, error.param);
  }
  if (isClientHttpError(error)) return fromHttpError(error);
  if (isUnavailable(error)) return serviceUnavailable();
  return new ApiError(500, 'api_error', 'internal_error', 'something went wrong on our side; please retry');
}

/**
 * The central error handler: answers every error in Stripe's shape. Logs only 5xx, and then only the error's
 * name, message and stack with the route (the logger adds the request id and scrubs card numbers); never the body,
 * the query or headers (they may hold card data or keys).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error(
        { method: req.method, route: routeOf(req), path: req.path, status: apiError.status, err },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(apiError.status).json(apiError.toBody());
  };
}
