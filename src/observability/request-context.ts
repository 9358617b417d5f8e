// The request a piece of work belongs to, carried through async calls with AsyncLocalStorage: the API runs each HTTP
// request in it, the worker each activity. Loggers read it (every line gets `requestId`), the Temporal client
// interceptor copies it into headers. Holds the id only, never the request itself.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isSaneRequestId } from './request-id';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` as part of the request `requestId` (no request when undefined). */
export function runWithRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId === undefined ? work() : storage.run({ requestId }, work);
}

/** The id of the request the current code runs for, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The caller's `X-Request-Id` when it is sane (see isSaneRequestId), else a new UUID. */
export function requestIdFrom(incoming: string | undefined): string {
  return isSaneRequestId(incoming) ? incoming : randomUUID();
}
