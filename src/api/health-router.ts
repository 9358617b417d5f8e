// `GET /health`: whether the API can reach what it depends on. No authentication, no details beyond up or down.

import { Router } from 'express';
import type { ApiDeps } from './api-deps';
import { mountRoute } from './route-registry';
import { healthRoute } from './routes';

/** How long each dependency gets to answer before it counts as down. */
export const HEALTH_CHECK_TIMEOUT_MS = 3000;

type Check = 'ok' | 'unavailable';

async function probe(run: () => Promise<unknown>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/** The health route: 200 when MongoDB and Temporal both answer, 503 naming the ones that do not. */
export function healthRouter(deps: Pick<ApiDeps, 'db' | 'temporal'>): Router {
  const router = Router({ caseSensitive: true });
  mountRoute(router, healthRoute, {}, async (_req, res) => {
    const [database, temporal] = await Promise.all([
      probe(async () => {
        const db = deps.db.connection.db;
        if (!db) throw new Error('not connected');
        await db.admin().ping();
      }),
      probe(() => {
        const connection = deps.temporal.connection;
        return connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () =>
          connection.workflowService.getSystemInfo({}),
        );
      }),
    ]);
    const down = [database === 'ok' ? [] : ['database'], temporal === 'ok' ? [] : ['temporal']].flat();
    if (down.length === 0) {
      res.json({ status: 'ok', temporal, database });
      return;
    }
    res.status(503).json({
      status: 'unavailable',
      temporal,
      database,
      error: {
        type: 'api_error',
        code: 'dependency_unavailable',
        message: `${down.join(' and ')} did not answer`,
        param: null,
      },
    });
  });
  return router;
}
