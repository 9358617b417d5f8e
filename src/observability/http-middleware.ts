// Express middleware that makes each API request observable: its request id (the caller's sane `X-Request-Id` or a
// new one, always echoed in the answer) carried through the request's async work, one access log line, the latency
// histogram by route template and status, and the route's name on the request's trace span (when tracing is on).
// Never logs a body or a query string, and headers only at debug level (redacted by the logger's configuration).

import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { context } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import type { ApiMetrics } from './metrics';
import { requestIdFrom, runWithRequestId } from './request-context';
import { REQUEST_ID_HTTP_HEADER } from './request-id';

/** The route template that answered (`/v1/orders/:orderId`), or `unmatched` (never the raw path: it holds ids). */
export function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/** Calls `onHeaders` once, just before the answer's headers go out (when the route is known and nothing is sent). */
function beforeHeaders(res: Response, onHeaders: () => void): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  let called = false;
  res.writeHead = ((...args: unknown[]) => {
    if (!called) {
      called = true;
      onHeaders();
    }
    return writeHead(...args);
  }) as typeof res.writeHead;
}

/** The request's observability; mount it first. */
export function observeRequests(logger: Logger, metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.get(REQUEST_ID_HTTP_HEADER));
    res.set(REQUEST_ID_HTTP_HEADER, requestId);
    const startedAt = process.hrtime.bigint();
    const rpcMetadata = getRPCMetadata(context.active());
    if (rpcMetadata?.type === RPCType.HTTP) beforeHeaders(res, () => (rpcMetadata.route = routeOf(req)));
    let observed = false;
    const observe = (): void => {
      if (observed) return;
      observed = true;
      const route = routeOf(req);
      const status = res.headersSent ? res.statusCode : 499;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      runWithRequestId(requestId, () => {
        const line: Record<string, unknown> = {
          method: req.method,
          route,
          path: req.path,
          status,
          durationMs: seconds * 1000,
        };
        if (logger.isLevelEnabled('debug')) line.req = { headers: req.headers };
        logger.info(line, 'request completed');
      });
    };
    res.once('finish', observe);
    res.once('close', observe);
    runWithRequestId(requestId, () => next());
  };
}
