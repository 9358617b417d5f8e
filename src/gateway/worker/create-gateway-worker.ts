// Builds the gateway's Temporal worker: the payment child workflows and the bank activities on the gateway's own task
// queue, bound to one running connector (gateway-runtime.ts). Used by the gateway worker process and the tests.

import type { ActivityInterceptorsFactory, NativeConnection, Worker } from '@temporalio/worker';
import { Worker as TemporalWorker } from '@temporalio/worker';
import { createGatewayActivities } from '../activities';
import type { GatewayRuntime } from '../gateway-runtime';
import { createMethodActivities } from '../method-activities';
import { createSettlementActivities } from '../settlement/settlement-activities';
import { createReconciliationActivities } from '../reconciliation/activities';
import { assertBundleEncodesFailures, payloadDataConverter } from '../../temporal/codec';
import type { PayloadKeys } from '../../temporal/payload-keys';

/**
 * Creates (but does not run) the gateway worker, its payloads sealed by the payload codec under `payloadKeys`. A
 * prebuilt bundle must be built with WORKFLOW_BUNDLE_CONVERTERS (src/temporal/codec.ts); one without is refused.
 */
export async function createGatewayWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  runtime: GatewayRuntime;
  payloadKeys: PayloadKeys;
  workflowBundle?: { codePath: string } | undefined;
  /** Activity interceptors (the process's log line per activity and its metrics: temporal-interceptors.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[] | undefined;
}): Promise<Worker> {
  if (options.workflowBundle) assertBundleEncodesFailures(options.workflowBundle.codePath);
  return TemporalWorker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: payloadDataConverter(options.payloadKeys),
    activities: {
      ...createGatewayActivities(options.runtime.payments),
      ...createMethodActivities(options.runtime),
      ...createSettlementActivities(options.runtime.settlement),
      ...createReconciliationActivities(options.runtime.reconciler),
    },
    ...(options.activityInterceptors ? { interceptors: { activity: options.activityInterceptors } } : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
  });
}
