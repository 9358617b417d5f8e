// The observability settings from the environment: tracing off unless an OTLP endpoint is set (and its traces URL
// per the OTLP spec), the metrics defaults, and a METRICS_TOKEN too short to be a secret refused.

import { loadConfig } from '../../src/config';

describe('observability config', () => {
  test('config › no OTLP endpoint › tracing is off; metrics and logging have their defaults', () => {
    const config = loadConfig({});

    expect(config.tracing).toEqual({ tracesUrl: undefined, protocol: 'http/protobuf', serviceName: undefined });
    expect(config.metrics).toEqual({
      token: undefined,
      host: '127.0.0.1',
      workerPort: 9464,
      temporalPort: 9465,
      refreshMs: 15_000,
      gatewayPort: 9466,
      workerUrl: 'http://127.0.0.1:9464/metrics',
      gatewayUrl: 'http://127.0.0.1:9466/metrics',
      scrapeTimeoutMs: 2000,
    });
    expect(config.logging).toEqual({ level: 'info', pretty: undefined, production: false });
  });

  test('config › an OTLP base endpoint or a traces endpoint › gives the traces URL', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.tracesUrl).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/custom',
      }).tracing.tracesUrl,
    ).toBe('http://other:4318/custom');
  });

  test('config › the workers’ metrics URLs the API reads › as given, none when empty or the port is 0; not a URL is refused', () => {
    const given = loadConfig({ WORKER_METRICS_URL: 'http://worker:9464/metrics', GATEWAY_METRICS_URL: '' });
    expect(given.metrics.workerUrl).toBe('http://worker:9464/metrics');
    expect(given.metrics.gatewayUrl).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '0', GATEWAY_METRICS_PORT: '9500' }).metrics).toMatchObject({
      workerUrl: undefined,
      gatewayUrl: 'http://127.0.0.1:9500/metrics',
    });
    expect(() => loadConfig({ GATEWAY_METRICS_URL: 'gateway:9466' })).toThrow(/GATEWAY_METRICS_URL/);
  });

  test('config › a METRICS_TOKEN of 8 characters or a LOG_LEVEL of loud › is refused naming the variable', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short123' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(loadConfig({ LOG_PRETTY: 'false', NODE_ENV: 'production' }).logging).toEqual({
      level: 'info',
      pretty: false,
      production: true,
    });
  });
});
