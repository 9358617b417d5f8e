// The API and the worker as the processes `npm start` runs (src/api/main.ts, src/worker/main.ts), with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP receiver in this test (OTLP over HTTP, JSON encoding): one order's
// request produces spans from the API (its HTTP request), the workflow and an activity, all in one trace. The
// worker's metrics endpoint answers (token required when METRICS_TOKEN is set) with the activity metrics and the
// Temporal SDK's own, merged in. Both processes write JSON log lines. The gateway worker (src/gateway/worker/main.ts)
// serves the bank link's gauges, and the API's monitoring summary reads both workers' metrics from their endpoints.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';
import type { TestCard } from '../support/bank-control';
import { openTestCard } from '../support/bank-control';
import { testPayloadKeysEnv } from '../support/workflow-env';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findFreePort } = require('../../scripts/lib/services') as { findFreePort(): Promise<number> };

const root = path.resolve(__dirname, '..', '..');
const METRICS_TOKEN = `metrics-${randomUUID()}`;

/** A span as the OTLP/JSON body carries it, with the service that sent it. */
interface ReceivedSpan {
  service: string;
  /** The instrumentation scope: `@temporalio/interceptor-workflow` for spans made inside a workflow. */
  scope: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/** An OTLP/HTTP receiver: accepts POST /v1/traces (JSON) and keeps every span. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: {
              scope?: { name?: string };
              spans: { name: string; traceId: string; spanId: string; parentSpanId?: string }[];
            }[];
          }[];
        };
        for (const resourceSpans of body.resourceSpans) {
          const service =
            resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) {
              const { name, traceId, spanId, parentSpanId } = span;
              spans.push({
                service,
                scope: scope.scope?.name ?? '',
                name,
                traceId,
                spanId,
                parentSpanId: parentSpanId ?? '',
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A process of the product with everything it printed. */
interface ProductProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in its output. */
  printed(pattern: RegExp): Promise<RegExpMatchArray>;
}

const children: ChildProcess[] = [];

function startProcess(entry: string, env: Record<string, string>): ProductProcess {
  const child = spawn(process.execPath, [path.join(root, 'scripts/run-ts.js'), path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...testPayloadKeysEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const waiting: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const w of [...waiting]) {
      const match = output.match(w.pattern);
      if (match) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) => reject(new Error(`${entry} exited (${code ?? signal}): ${output}`)));
  });
  exited.catch(() => undefined);
  return {
    child,
    output: () => output,
    printed: (pattern) =>
      Promise.race([
        new Promise<RegExpMatchArray>((resolve) => {
          const match = output.match(pattern);
          if (match) resolve(match);
          else waiting.push({ pattern, resolve });
        }),
        exited,
      ]),
  };
}

let h: ApiHarness;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: ProductProcess;
let gateway: ProductProcess;
let api: ProductProcess;
let apiUrl: string;
let workerMetricsPort: number;
let gatewayMetricsPort: number;

beforeAll(async () => {
  h = await startApiHarness();
  await h.stopWorker();
  receiver = await startReceiver();
  workerMetricsPort = await findFreePort();
  gatewayMetricsPort = await findFreePort();
  const env = {
    TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
    MONGODB_URI: h.config.mongodbUri,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    METRICS_TOKEN,
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
  };
  worker = startProcess('src/worker/main.ts', {
    ...env,
    // Debug: the SDK's workflow logger writes `Workflow started` there.
    LOG_LEVEL: 'debug',
    WORKER_METRICS_PORT: String(workerMetricsPort),
    TEMPORAL_METRICS_PORT: String(await findFreePort()),
  });
  const gatewayQueue = `gw-${randomUUID()}`;
  gateway = startProcess('src/gateway/worker/main.ts', {
    ...env,
    GATEWAY_TASK_QUEUE: gatewayQueue,
    GATEWAY_METRICS_PORT: String(gatewayMetricsPort),
  });
  api = startProcess('src/api/main.ts', {
    ...env,
    GATEWAY_TASK_QUEUE: gatewayQueue,
    PORT: '0',
    WORKER_METRICS_URL: `http://127.0.0.1:${workerMetricsPort}/metrics`,
    GATEWAY_METRICS_URL: `http://127.0.0.1:${gatewayMetricsPort}/metrics`,
  });
  await worker.printed(/polling task queue/);
  await gateway.printed(/polling task queue/);
  const [, url] = await api.printed(/settleflow API listening on (http:\/\/[\d.]+:\d+)/);
  apiUrl = url ?? '';
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await receiver?.close();
  await h?.close();
});

/** Polls until `check` returns a value (the spans arrive in batches a few seconds apart). */
async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const received = receiver.spans.map((span) => `${span.service} ${span.name} ${span.traceId}`);
      throw new Error(`${what} did not happen; spans received: ${received.join(', ') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('processes', () => {
  let orderId: string;
  const requestId = `proc-${randomUUID()}`;

  beforeAll(async () => {
    const body = h.orderBody();
    orderId = body.orderId;
    const response = await fetch(`${apiUrl}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.key('seller')}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    await h.waitForStatus(orderId, 'AWAITING_SUPPLIER');
  });

  test('tracing › one order placed over HTTP › API, workflow and activity spans share one trace id', async () => {
    const httpSpan = await eventually(
      () => receiver.spans.find((span) => span.service === 'settleflow-api' && span.name === 'POST /v1/orders'),
      "the API's span of POST /v1/orders",
    );
    const trace = await eventually(() => {
      const spans = receiver.spans.filter((span) => span.traceId === httpSpan.traceId);
      const names = spans.map((span) => span.name);
      return names.includes('StartActivity:publishOrder') && names.includes('RunActivity:publishOrder')
        ? spans
        : undefined;
    }, 'the workflow and activity spans of that trace');

    // The workflow's own span (RunWorkflow) ends when the order does; the spans it made on the way are exported as
    // they end, through the worker's sink.
    expect(httpSpan.traceId).toMatch(/^[0-9a-f]{32}$/);
    const start = trace.find((span) => span.name === 'StartWorkflow:orderWorkflow');
    expect(start).toMatchObject({ service: 'settleflow-api', parentSpanId: httpSpan.spanId });
    const scheduled = trace.find((span) => span.name === 'StartActivity:publishOrder');
    expect(scheduled).toMatchObject({ service: 'settleflow-worker', scope: '@temporalio/interceptor-workflow' });
    const activity = trace.find((span) => span.name === 'RunActivity:publishOrder');
    expect(activity).toMatchObject({ service: 'settleflow-worker', parentSpanId: scheduled?.spanId });
  });

  test('worker metrics › scraped with and without the token › 401, then activity and Temporal SDK metrics', async () => {
    const url = `http://127.0.0.1:${workerMetricsPort}/metrics`;
    const refused = await fetch(url);
    const response = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await response.text();

    expect(refused.status).toBe(401);
    expect(response.status).toBe(200);
    const completed =
      /^settleflow_activity_duration_seconds_count\{activity="publishOrder",outcome="completed"\} (\d+)$/m.exec(text);
    expect(Number(completed?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toContain('settleflow_worker_process_cpu_seconds_total');
  });

  test('monitoring › the API reads both workers’ /metrics with the token › the bank link is up and signed on, webhooks counted', async () => {
    type Summary = {
      sources: { name: string; state: string }[];
      bankLink: { state: string; signedOn: boolean | null; reversalsPending: number | null };
      webhookAttempts: unknown;
    };
    const read = async () => {
      const response = await fetch(`${apiUrl}/v1/monitoring/summary`, {
        headers: { authorization: `Bearer ${h.key('operator')}` },
      });
      return { status: response.status, summary: (await response.json()) as Summary };
    };
    // The gateway signs on at the bank host on its own after it starts: read until it says so.
    let { status, summary } = await read();
    while (summary.bankLink.signedOn !== true) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ({ status, summary } = await read());
    }

    expect(status).toBe(200);
    expect(summary.sources.map((source) => [source.name, source.state])).toEqual([
      ['api', 'up'],
      ['worker', 'up'],
      ['gateway', 'up'],
    ]);
    expect(summary.bankLink).toMatchObject({ state: 'up', signedOn: true, reversalsPending: 0 });
    expect(summary.webhookAttempts).toEqual({
      delivered: expect.any(Number),
      retry: expect.any(Number),
      failed: expect.any(Number),
    });
  });

  test('gateway metrics › a wallet top-up approved and one declined › counted by method, operation, outcome and decline code', async () => {
    const call = async (route: string, body: unknown) => {
      const response = await fetch(`${apiUrl}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key('customer')}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { walletId?: string } };
    };
    const wallet = await call('/v1/wallets', { currency: 'EUR' });
    expect(wallet.status).toBe(201);
    const rich = await openTestCard();
    const poor = await openTestCard(100);
    const topUp = (card: TestCard) =>
      call(`/v1/wallets/${wallet.body.walletId}/top-ups`, {
        amountMinor: 5_000,
        card: { number: card.number, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
        reference: `ref-${randomUUID()}`,
      });
    expect((await topUp(rich)).status).toBe(200);
    expect((await topUp(poor)).status).toBe(402);

    const response = await fetch(`http://127.0.0.1:${gatewayMetricsPort}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const text = await response.text();
    const counted = (labels: string) =>
      Number(new RegExp(`^settleflow_gateway_payments_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect({
      approved: counted('method="ecash",operation="top_up",outcome="succeeded",decline_code="none"'),
      declined: counted('method="ecash",operation="top_up",outcome="failed",decline_code="insufficient_funds"'),
    }).toEqual({ approved: 1, declined: 1 });
    expect(text).toMatch(
      /^settleflow_activity_duration_seconds_count\{activity="topUpWallet",outcome="completed"\} 2$/m,
    );
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { service?: string; activity?: string; msg?: string });
    expect(lines.filter((line) => line.activity === 'topUpWallet' && line.msg === 'activity completed')).toHaveLength(
      2,
    );
    expect(lines.every((line) => line.service === 'settleflow-gateway')).toBe(true);
  });

  test('logs › both processes › write one JSON object per line, with the service name', () => {
    for (const [process, service] of [
      [api, 'settleflow-api'],
      [worker, 'settleflow-worker'],
    ] as const) {
      const lines = process
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ service });
    }
    expect(api.output()).toContain(`"route":"/v1/orders","path":"/v1/orders","status":201`);
    expect(worker.output()).toContain(`"workflowId":"order-${orderId}"`);
  });

  test("logs › the SDK's workflow and activity lines › go through pino, the activity's with the request id", () => {
    const entries = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    // Written inside the workflow's sandbox and carried out through the SDK's logger sink.
    const workflowLine = entries.find(
      (entry) => entry.msg === 'Workflow started' && entry.workflowId === `order-${orderId}`,
    );
    expect(workflowLine).toMatchObject({ component: 'temporal', workflowType: 'orderWorkflow' });
    // The SDK's activity logger (Context.current().log) gets the request id from the activity interceptor.
    const sdkActivityLine = entries.find(
      (entry) =>
        entry.msg === 'Activity completed' &&
        entry.workflowId === `order-${orderId}` &&
        entry.activityType === 'publishOrder',
    );
    expect(sdkActivityLine).toMatchObject({ component: 'temporal', requestId });
    const activityLine = entries.find(
      (entry) => entry.msg === 'activity completed' && entry.workflowId === `order-${orderId}`,
    );
    expect(activityLine).toMatchObject({ requestId, activity: 'publishOrder' });
  });
});
