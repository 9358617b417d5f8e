// The request id that follows an HTTP request into the order's workflow and activities: its header names and the
// rules for a sane id. Deterministic and free of Node built-ins, so workflow interceptors (bundled) may import it.
// Never carries anything but the id: no caller, no body, no secret.

import type { Headers } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';

/** The HTTP header a caller may send and the API always answers with. */
export const REQUEST_ID_HTTP_HEADER = 'X-Request-Id';

/** The Temporal header (on starts, Updates, signals and scheduled activities) that carries the request id. */
export const REQUEST_ID_TEMPORAL_HEADER = 'settleflow-request-id';

const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Whether an incoming `X-Request-Id` may be adopted: 1 to 128 letters, digits and `._:-`, nothing else. */
export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/** The headers with the request id added (an id already there is kept: the first hop's id wins). */
export function withRequestId(headers: Headers, requestId: string | undefined): Headers {
  if (requestId === undefined || headers[REQUEST_ID_TEMPORAL_HEADER] !== undefined) return headers;
  return { ...headers, [REQUEST_ID_TEMPORAL_HEADER]: defaultPayloadConverter.toPayload(requestId) };
}

/** The request id in Temporal headers, if one is there and sane. */
export function requestIdOf(headers: Headers | undefined): string | undefined {
  const payload = headers?.[REQUEST_ID_TEMPORAL_HEADER];
  if (!payload) return undefined;
  try {
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    return isSaneRequestId(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
