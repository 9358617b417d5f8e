// Workflow interceptors, bundled with the workflow code (WORKFLOW_INTERCEPTOR_MODULES): the request id of the start,
// Update or signal being handled is put on the workflow's log lines (`requestId`, through the SDK's logger sink) and
// into the headers of the activities and child workflows it schedules; OpenTelemetry's workflow interceptors run
// only for workflows whose start (or Update, or signal) carried trace context, so with tracing off nothing of it runs
// and its modules are not even loaded.
// Deterministic: everything here comes from history (headers) or from the order of handlers; no clock, no I/O.

import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { Headers } from '@temporalio/common';
import type { WorkflowInterceptors } from '@temporalio/workflow';
import { AsyncLocalStorage } from '@temporalio/workflow';
import { requestIdOf, withRequestId } from './request-id';

/**
 * OpenTelemetry's workflow interceptors, loaded on first use. The worker evaluates a workflow's modules anew for each
 * workflow it starts, and this module (with OpenTelemetry's API, SDK and semantic conventions) costs several
 * milliseconds of CPU each time: untraced workflows, nearly all of them, never load it (see bench/README.md).
 */
function otelWorkflow(): typeof OtelWorkflow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
}

/** The header OpenTelemetry's interceptors carry trace context in (`TRACE_HEADER` of the interceptors package). */
const TRACE_HEADER = '_tracer-data';

/**
 * One workflow's interceptors. The request id in force is the one of the handler running (an Update's or signal's
 * own), else the latest that reached the workflow (its start's, or the last Update's or signal's): work the main
 * routine does after an Update is counted to that Update's request.
 */
export const interceptors = (): WorkflowInterceptors => {
  const scope = new AsyncLocalStorage<string | undefined>();
  let latest: string | undefined;
  let traced = false;
  let otel:
    | {
        inbound: OtelWorkflow.OpenTelemetryInboundInterceptor;
        outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor;
        internals: OtelWorkflow.OpenTelemetryInternalsInterceptor;
      }
    | undefined;
  const tracer = () => {
    if (otel) return otel;
    const { OpenTelemetryInboundInterceptor, OpenTelemetryOutboundInterceptor, OpenTelemetryInternalsInterceptor } =
      otelWorkflow();
    otel = {
      inbound: new OpenTelemetryInboundInterceptor(),
      outbound: new OpenTelemetryOutboundInterceptor(),
      internals: new OpenTelemetryInternalsInterceptor(),
    };
    return otel;
  };
  const current = (): string | undefined => scope.getStore() ?? latest;
  /** Notes a request reaching the workflow; tracing turns on for good once any of them carried trace context. */
  const arrived = (headers: Headers): string | undefined => {
    if (headers[TRACE_HEADER] !== undefined) traced = true;
    const requestId = requestIdOf(headers) ?? latest;
    latest = requestId;
    return requestId;
  };

  return {
    inbound: [
      {
        execute(input, next) {
          arrived(input.headers);
          return traced ? tracer().inbound.execute(input, next) : next(input);
        },
        handleUpdate(input, next) {
          const requestId = arrived(input.headers);
          const run: typeof next = (i) => scope.run(requestId, () => next(i));
          return traced ? tracer().inbound.handleUpdate(input, run) : run(input);
        },
        validateUpdate(input, next) {
          const requestId = requestIdOf(input.headers) ?? latest;
          const run: typeof next = (i) => scope.run(requestId, () => next(i));
          if (input.headers[TRACE_HEADER] !== undefined || traced) tracer().inbound.validateUpdate(input, run);
          else run(input);
        },
        handleSignal(input, next) {
          const requestId = arrived(input.headers);
          const run: typeof next = (i) => scope.run(requestId, () => next(i));
          return traced ? tracer().inbound.handleSignal(input, run) : run(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          const withId = { ...input, headers: withRequestId(input.headers, current()) };
          return traced ? tracer().outbound.scheduleActivity(withId, next) : next(withId);
        },
        scheduleLocalActivity(input, next) {
          const withId = { ...input, headers: withRequestId(input.headers, current()) };
          return traced ? tracer().outbound.scheduleLocalActivity(withId, next) : next(withId);
        },
        startChildWorkflowExecution(input, next) {
          const withId = { ...input, headers: withRequestId(input.headers, current()) };
          return traced ? tracer().outbound.startChildWorkflowExecution(withId, next) : next(withId);
        },
        signalWorkflow(input, next) {
          const withId = { ...input, headers: withRequestId(input.headers, current()) };
          return traced ? tracer().outbound.signalWorkflow(withId, next) : next(withId);
        },
        getLogAttributes(input, next) {
          const requestId = current();
          const attributes = requestId === undefined ? input : { requestId, ...input };
          return traced ? tracer().outbound.getLogAttributes(attributes, next) : next(attributes);
        },
      },
    ],
    internals: [
      {
        // OpenTelemetry's only disposes of its context manager, which exists only once a traced request arrived.
        dispose(input, next) {
          if (otel) return otel.internals.dispose(input, next);
          next(input);
        },
      },
    ],
  };
};
