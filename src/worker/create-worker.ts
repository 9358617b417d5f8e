// Builds the Temporal worker that runs order workflows, webhook delivery workflows and their activities. Used by the worker
// process (main.ts), the tests and the benchmark, each passing its own connection and dependencies.

import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { WebhookDeliveryStarter, createWebhookActivities } from '../activities/webhooks';
import type { WebhookDispatcherOptions } from '../activities/webhook-dispatcher';
import { DEFAULT_WEBHOOK_DISPATCH, WebhookDispatcher } from '../activities/webhook-dispatcher';
import { FIRST_ATTEMPT_TIMEOUT_MS } from '../contracts/webhook-delivery-contract';
import type { BankConnector } from '../bank/bank-connector';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { createLogger } from '../observability/logger';
import type { WorkerMetrics } from '../observability/metrics';
import {
  WORKFLOW_INTERCEPTOR_MODULES,
  activityObservability,
  clientInterceptors,
} from '../observability/temporal-interceptors';
import type { Tracing } from '../observability/tracing';
import type { Database } from '../persistence/database';
import type { KeyVault } from '../security/purpose-keys';
import { assertBundleEncodesFailures, payloadDataConverter } from '../temporal/codec';
import type { PayloadKeys } from '../temporal/payload-keys';

/** What a worker needs. */
export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  vault: KeyVault;
  /** The keys of the payload codec (src/temporal/codec.ts): every payload this worker writes is sealed under them. */
  payloadKeys: PayloadKeys;
  config: Pick<Config, 'webhook'>;
  /**
   * The bank of the legacy in-worker payment activities, which only orders recorded before the gateway worker call
   * (new orders pay through the gateway's child workflows). None in the product: those activities then fail for good
   * and such an order waits for an operator (README, Gateway worker). Tests of the legacy path pass one.
   */
  bank?: BankConnector;
  /**
   * A prebuilt workflow bundle (tests bundle once per run); otherwise the worker bundles src/workflows. A prebuilt
   * bundle must include WORKFLOW_INTERCEPTOR_MODULES (bundleWorkflowCode's `workflowInterceptorModules`) and the
   * failure converter (WORKFLOW_BUNDLE_CONVERTERS of src/temporal/codec.ts); one without the latter is refused.
   */
  workflowBundle?: { codePath: string };
  /** Where activity executions are logged (one line each, with the request id); silent by default. */
  logger?: Logger;
  /** The worker's metrics, counted by the activity interceptor when given. */
  metrics?: WorkerMetrics;
  /** Tracing, when on: activity spans and the workflows' span sink. */
  tracing?: Tracing;
  /** Graceful shutdown: how long in-flight activities may finish, and when the worker stops regardless. */
  shutdown?: { graceMs: number; forceMs: number };
  /** The webhook dispatcher's bounds, beside DEFAULT_WEBHOOK_DISPATCH (tests shorten the sweep). */
  webhookDispatch?: Partial<Omit<WebhookDispatcherOptions, 'log' | 'now'>>;
}

/** Creates (but does not run) a worker for the order workflows. */
export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  if (options.workflowBundle) assertBundleEncodesFailures(options.workflowBundle.codePath);
  const dataConverter = payloadDataConverter(options.payloadKeys);
  // Activities start webhook delivery workflows through a client on the worker's own connection.
  const temporal = new Client({
    connection: options.connection,
    namespace: options.namespace,
    interceptors: clientInterceptors(options.tracing),
    dataConverter,
  });
  const logger = options.logger ?? createLogger({ service: 'settleflow-worker', level: 'silent' });
  const webhook = options.config.webhook;
  const webhookActivities = createWebhookActivities({
    db: options.db,
    vault: options.vault,
    policy: { allowPrivate: webhook.allowPrivate },
  });
  // A notice's first webhook attempt is made here, in the worker process; a workflow takes over what fails.
  const dispatcher = new WebhookDispatcher(
    options.db,
    (input, draft) => webhookActivities.attemptWebhookDelivery(input, draft),
    new WebhookDeliveryStarter(temporal, options.taskQueue, webhook.retry),
    {
      ...DEFAULT_WEBHOOK_DISPATCH,
      firstAttemptTimeoutMs: Math.min(webhook.retry.attemptTimeoutMs, FIRST_ATTEMPT_TIMEOUT_MS),
      ...options.webhookDispatch,
      log: (line) => logger.warn(line),
    },
  );
  const activities = createActivities({
    db: options.db,
    vault: options.vault,
    bank: options.bank,
    webhookDeliveries: dispatcher,
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter,
    activities: { ...activities, ...webhookActivities },
    interceptors: {
      // Tracing's first (outermost), so an activity's log line is written inside its span.
      activity: [
        ...(options.tracing ? [options.tracing.activityInterceptors] : []),
        activityObservability({ logger, metrics: options.metrics }),
      ],
      // A prebuilt bundle has them built in (and the worker would warn that it ignores them).
      workflowModules: options.workflowBundle ? [] : [...WORKFLOW_INTERCEPTOR_MODULES],
    },
    ...(options.tracing ? { sinks: options.tracing.workflowSinks } : {}),
    ...(options.shutdown
      ? { shutdownGraceTime: options.shutdown.graceMs, shutdownForceTime: options.shutdown.forceMs }
      : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
  });
  dispatcher.startSweeping();
  stopWhenWorkerStops(worker, dispatcher);
  return worker;
}

/** How often the sweep's timer checks whether its worker stopped. */
const WORKER_STATE_CHECK_MS = 1_000;

/** Stops the dispatcher's sweep once the worker has stopped or failed (the worker has no stop event to listen to). */
function stopWhenWorkerStops(worker: Worker, dispatcher: WebhookDispatcher): void {
  const check = setInterval(() => {
    const state = worker.getState();
    if (state === 'STOPPED' || state === 'FAILED') {
      clearInterval(check);
      dispatcher.stop();
    }
  }, WORKER_STATE_CHECK_MS);
  check.unref();
}
