// OpenTelemetry tracing for a settleflow process: the Node SDK with HTTP instrumentation and an OTLP exporter
// (http/protobuf, or http/json), and Temporal's OpenTelemetry interceptors so one trace runs from the HTTP request
// through the workflow (its spans go out through a worker sink) to its activities. Off unless an OTLP endpoint is
// configured, and then nothing of the SDK is even loaded. Never exports request bodies or headers as attributes.

import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Config } from '../config';
import type { Logger } from './logger';

/** A running tracing setup and what clients and workers add to take part in it. */
export interface Tracing {
  /** For every Temporal client of the process: trace context into starts, Updates and signals. */
  clientInterceptor: WorkflowClientInterceptor;
  /** For workers: activity spans, children of the workflow's span that scheduled them. */
  activityInterceptors: ActivityInterceptorsFactory;
  /** For workers: the sink the workflows' spans leave their sandbox through. */
  workflowSinks: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }>;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Paths whose requests are never traced: scrapes and probes would drown the traces that matter. */
const UNTRACED_PATHS = new Set(['/metrics', '/health']);

/**
 * Starts tracing when `settings.tracesUrl` is set (from OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); otherwise does nothing and returns undefined. Call it before the modules
 * whose HTTP calls should be traced are loaded (the API loads its app after it).
 */
export async function startTracing(
  settings: Config['tracing'],
  service: string,
  logger: Logger,
): Promise<Tracing | undefined> {
  const url = settings.tracesUrl;
  if (url === undefined) return undefined;
  const [{ NodeSDK }, { HttpInstrumentation }, { BatchSpanProcessor }, { Resource }, temporal] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const exporter =
    settings.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url })
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url });
  const resource = new Resource({ 'service.name': settings.serviceName ?? service });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const sdk = new NodeSDK({
    resource,
    spanProcessors: [spanProcessor],
    // Traces only: no OTLP log or metric export unless OTEL_METRICS_EXPORTER asks for metrics.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        // Only the API's own routes: outgoing HTTP (webhooks, OTLP export itself) gets no span of its own.
        ignoreOutgoingRequestHook: () => true,
      }),
    ],
  });
  sdk.start();
  logger.info({ url, protocol: settings.protocol }, 'tracing: exporting spans over OTLP');
  return {
    clientInterceptor: new temporal.OpenTelemetryWorkflowClientInterceptor(),
    activityInterceptors: (ctx) => ({
      inbound: new temporal.OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new temporal.OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    workflowSinks: { exporter: temporal.makeWorkflowExporter(spanProcessor, resource) },
    shutdown: () => sdk.shutdown(),
  };
}
