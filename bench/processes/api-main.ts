// The benchmark's API process: settleflow's app (createApp) on 127.0.0.1 at a free port, in a process of its own so
// its memory and CPU can be measured apart from the worker and the bots. Wraps the app in a timing layer that
// records each route's handler time, the Temporal calls inside it and MongoDB commands, for the benchmark's profile.

import type { Server } from 'node:http';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import express from 'express';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/persistence/database';
import { openKeyRing } from '../../src/security/open-key-ring';
import { payloadDataConverter } from '../../src/temporal/codec';
import { configuredPayloadKeys } from '../../src/temporal/payload-keys';
import { reportFailure, reportReady, serveParent } from '../lib/ipc';
import { mongoCaller, timeMongoCommands } from '../lib/mongo-timing';
import { Timings } from '../lib/timings';

/** A route's name with its ids taken out: `POST /v1/orders/:id/supplier-answer`. */
export function routeName(method: string, path: string): string {
  return `${method} ${path.replace(/^\/v1\/orders\/[^/]+/, '/v1/orders/:id')}`;
}

/** Times the Temporal calls the API makes: starting an order's workflow, its Updates and queries. */
function temporalTiming(timings: Timings): WorkflowClientInterceptor {
  return {
    startWithDetails: (input, next) => timings.time('temporal start', () => next(input)),
    startUpdate: (input, next) => timings.time(`temporal update ${input.updateName}`, () => next(input)),
    query: (input, next) => timings.time(`temporal query ${input.queryType}`, () => next(input)),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const timings = new Timings();
  const db = await connectDatabase(config.mongodbUri);
  timeMongoCommands(db, timings);
  // The key ring, as the API process opens it (payment instructions encrypted to the gateway's key, the JWKS).
  const vault = await openKeyRing(config, db, 'api');
  const payloadKeys = configuredPayloadKeys(config, vault);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [temporalTiming(timings)] },
    dataConverter: payloadDataConverter(payloadKeys),
  });
  const app = createApp({ db, temporal, config, vault, payloadKeys });

  const timed = express();
  timed.disable('x-powered-by');
  timed.use((req, res, next) => {
    const started = performance.now();
    const route = routeName(req.method, req.path);
    res.on('finish', () => timings.add(`http ${route}`, performance.now() - started));
    mongoCaller.run(route, next);
  });
  timed.use(app);

  const server: Server = await new Promise((resolve, reject) => {
    const listening = timed.listen(config.port, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  serveParent({
    timings: (reset) => timings.snapshot(reset),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await connection.close();
      await db.close();
    },
  });
  reportReady(typeof address === 'object' && address ? address.port : config.port);
}

main().catch(reportFailure);
