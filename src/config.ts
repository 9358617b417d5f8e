// settleflow's configuration, parsed once from the environment; every default is documented in README.md.
// Nothing else reads process.env.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { MongoConnectionSettings, MongoDeploymentSummary, TemporalTlsSettings } from './connection-settings';
import { ConnectionSettingError, mongoConnectionFrom, temporalConnectionFrom } from './connection-settings';
import type { WebhookRetryPolicy } from './contracts/webhook-delivery-contract';
import type { OrderDeadlines } from './domain/order';
import type { LogLevelName } from './observability/logger';
import { LOG_LEVELS } from './observability/logger';
import type { PayloadKey } from './temporal/payload-keys';
import { parsePayloadKeys } from './temporal/payload-keys';

const HOUR_MS = 60 * 60 * 1000;

/** An optional text variable; set but empty counts as unset. */
const optionalText = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value));

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('settleflow-orders'),
  MONGODB_URI: z.string().default('mongodb://127.0.0.1:27017/settleflow'),
  // Connections for real deployments (README, Running on a cluster): TLS/mTLS and API keys to Temporal, TLS to MongoDB.
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalText(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalText(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalText(),
  TEMPORAL_TLS_SERVER_NAME: optionalText(),
  TEMPORAL_API_KEY: optionalText(),
  TEMPORAL_API_KEY_FILE: optionalText(),
  TEMPORAL_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  // Temporal payload encryption (README, Security): keys, and the codec endpoint Temporal UI calls.
  TEMPORAL_PAYLOAD_KEYS: optionalText(),
  TEMPORAL_UI_ORIGIN: z
    .url({ protocol: /^https?$/ })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  CODEC_RATE_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  MONGODB_TLS_CA_FILE: optionalText(),
  MONGODB_TLS_CERT_KEY_FILE: optionalText(),
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  WORKER_SHUTDOWN_FORCE_MS: z.coerce.number().int().min(1000).default(60_000),
  API_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  API_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(65_000),
  DATA_DIR: z.string().default(path.resolve(__dirname, '..', '.data')),
  SETTLEFLOW_VAULT_KEY: z.string().optional(),
  SETTLEFLOW_VAULT_KEY_FILE: z.string().optional(),
  SETTLEFLOW_KEK: z.string().optional(),
  SETTLEFLOW_KEK_FILE: z.string().optional(),
  SETTLEFLOW_KEY_REFRESH_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  SETTLEFLOW_KEY_ACTIVATION_DELAY_MS: z.coerce.number().int().min(0).optional(),
  SETTLEFLOW_JWKS_GRACE_HOURS: z.coerce.number().min(0).default(168),
  SETTLEFLOW_JWKS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  SUPPLIER_ANSWER_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(48 * HOUR_MS),
  CARRIER_ANSWER_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * HOUR_MS),
  PAYMENT_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * HOUR_MS),
  DELIVERY_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * HOUR_MS),
  SELLER_CONFIRMATION_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * HOUR_MS),
  DISPUTE_RESOLUTION_DEADLINE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(14 * 24 * HOUR_MS),
  PAYMENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  PAYMENT_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  BANK_CALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(5 * 60 * 1000),
  API_UPDATE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  ALLOW_PLAIN_CARD: z.enum(['true', 'false']).optional(),
  PAYMENT_NOTIFICATION_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  GATEWAY_FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(150),
  GATEWAY_FEE_FIXED_MINOR: z.coerce.number().int().min(0).default(25),
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(1).default(5_000),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(1).default(HOUR_MS),
  WEBHOOK_RETRY_HORIZON_HOURS: z.coerce
    .number()
    .positive()
    .max(31 * 24)
    .default(24),
  API_BODY_LIMIT: z.string().default('100kb'),
  IDEMPOTENCY_LOCK_MS: z.coerce.number().int().positive().default(60_000),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(24),
  IDEMPOTENCY_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  IDEMPOTENCY_SWEEP_BATCH: z.coerce.number().int().positive().default(1000),
  API_RATE_PER_MINUTE: z.coerce.number().int().positive().default(600),
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  SETTLEFLOW_WORKFLOW_BUNDLE: z.string().optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_PRETTY: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
  METRICS_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  METRICS_HOST: z.string().default('127.0.0.1'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  METRICS_REFRESH_MS: z.coerce.number().int().min(1000).default(15_000),
  GATEWAY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  WORKER_METRICS_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional(),
  GATEWAY_METRICS_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional(),
  MONITORING_SCRAPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().optional(),
  GATEWAY_TASK_QUEUE: z.string().default('settleflow-gateway'),
  GATEWAY_WORKFLOW_BUNDLE: z.string().optional(),
  BANK_HOST_ADDRESS: z.string().default('127.0.0.1:8583'),
  BANK_ACQUIRER_ID: z
    .string()
    .regex(/^[1-9]\d{0,10}$/)
    .default('4711'),
  BANK_TERMINAL_ID: z
    .string()
    .regex(/^[A-Z0-9]{1,8}$/)
    .default('SFGW0001'),
  BANK_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(50).default(5_000),
  BANK_ECHO_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  BANK_RECONNECT_MAX_MS: z.coerce.number().int().min(10).default(10_000),
  BANK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(256),
  BANK_REVERSAL_HORIZON_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(10 * 60_000),
  BANK_REVERSAL_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(250),
  BANK_REVERSAL_RETRY_MAX_MS: z.coerce.number().int().min(10).default(30_000),
  BANK_HOST_ISO20022_URL: z.url().default('http://127.0.0.1:8584'),
  BANK_HOST_ISO20022_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[^,\s]+$/, 'one token (the bank host takes a list while rotating; the gateway presents one)')
    .optional(),
  BANK_HOST_BIC: z
    .string()
    .regex(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be a BIC')
    .default('SFBKDEFFXXX'),
  GATEWAY_SETTLEMENT_IBAN: z
    .string()
    .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'must be an IBAN')
    .default('DE97500105170000000001'),
  ECHECK_CLEARING_MS: z.coerce.number().int().min(0).default(10_000),
  MICROPAYMENT_THRESHOLD_MINOR: z.coerce.number().int().min(0).default(1_000),
  MICROPAYMENT_MAX_SUM_MINOR: z.coerce.number().int().min(1).default(5_000),
  MICROPAYMENT_MAX_AGE_MS: z.coerce.number().int().min(0).default(5_000),
  SETTLEMENT_SCHEDULE: z.enum(['on', 'off']).default('on'),
  SETTLEMENT_CUTOFF_CRON: z.string().default(''),
  SETTLEMENT_CUTOFF_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(24 * 60 * 60_000),
  SETTLEMENT_ORDER_PAYOUT: z.enum(['batch', 'per_order']).default('batch'),
  SETTLEMENT_WAIT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(3 * 24 * 60 * 60_000),
  SETTLEMENT_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  SETTLEMENT_CLEARING_MS: z.coerce.number().int().min(0).default(10_000),
  SETTLEMENT_OUTCOME_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(60 * 60_000),
  RECONCILIATION_CURRENCIES: z
    .string()
    .regex(/^[A-Z]{3}(,[A-Z]{3})*$/, 'must be ISO 4217 codes separated by commas')
    .default('EUR'),
  RECONCILIATION_TIMING_WINDOW_DAYS: z.coerce.number().int().min(0).max(31).default(1),
  RECONCILIATION_BATCH_SIZE: z.coerce.number().int().min(10).max(10_000).default(500),
  RECONCILIATION_SCHEDULE_CRON: z
    .string()
    .regex(/^\S+( \S+){4}$/, 'must be a cron expression of five fields (UTC), e.g. "30 0 * * *"')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SESSION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  SESSION_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
  CONSOLE_DIR: z.string().default(path.resolve(__dirname, '..', 'console', 'dist')),
});

/** The parsed configuration. */
export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** TLS (and mTLS) to the frontend, read and checked at start; undefined for plain TCP. */
    tls: TemporalTlsSettings | undefined;
    /** A Temporal Cloud API key; never logged. */
    apiKey: string | undefined;
    /** How long a process tries to reach Temporal at start before it exits with an error. */
    connectTimeoutMs: number;
    /** TEMPORAL_PAYLOAD_KEYS, parsed (the first encrypts); undefined: the key derived from the vault key only. */
    payloadKeys: PayloadKey[] | undefined;
  };
  /** The codec endpoint Temporal UI calls to show decoded payloads: the UI's origin (CORS) and a rate per caller. */
  codec: { uiOrigin: string | undefined; ratePerMinute: number };
  mongodbUri: string;
  /** Driver options from the environment (TLS files) and what the URI says about the deployment (for logs). */
  mongodb: { options: MongoConnectionSettings; deployment: MongoDeploymentSummary };
  /** Graceful shutdown: how long in-flight activities (worker) and requests (API) get to finish on SIGTERM. */
  shutdown: { workerGraceMs: number; workerForceMs: number; apiGraceMs: number };
  port: number;
  /** The API's listen address: loopback unless told otherwise (0.0.0.0 in containers). */
  host: string;
  /**
   * How long the API keeps an idle keep-alive connection open (API_KEEP_ALIVE_TIMEOUT_MS). Longer than the idle
   * timeout of the clients and proxies in front of it, so that the API is never the side that closes a socket a
   * client is about to reuse (which the client sees as ECONNRESET).
   */
  keepAliveTimeoutMs: number;
  dataDir: string;
  /**
   * base64 of 32 bytes, from SETTLEFLOW_VAULT_KEY or the file SETTLEFLOW_VAULT_KEY_FILE names (a Docker secret);
   * undefined when not configured (the API and worker then refuse to start).
   */
  vaultKey: string | undefined;
  /** The key ring (src/security/key-ring.ts): its key-encryption key and how rotations spread and are published. */
  keys: {
    /** base64 of 32 bytes, from SETTLEFLOW_KEK or the file SETTLEFLOW_KEK_FILE names; required to start. */
    kek: string | undefined;
    /** How often every process reloads the keys: the bound on how late a rotation or retirement reaches it. */
    refreshMs: number;
    /** How long a rotated key waits before it seals or signs (default: twice the refresh plus 30 s). */
    activationDelayMs: number;
    /** How long a superseded public key stays in the JWKS. */
    jwksGraceMs: number;
    /** The JWKS answer's Cache-Control max-age. */
    jwksMaxAgeSeconds: number;
  };
  defaultDeadlines: OrderDeadlines;
  gatewayFee: { bps: number; fixedMinor: number };
  /** Payment notifications an order takes before it is cancelled as `PAYMENT_FAILED`. */
  paymentMaxAttempts: number;
  /** Payment notifications per minute, per customer and per order, before the API answers 429. */
  paymentRatePerMinute: number;
  /**
   * ALLOW_PLAIN_CARD: whether a plain card or IBAN body is accepted beside the signed form (on unless
   * NODE_ENV=production).
   */
  allowPlainCard: boolean;
  /** PAYMENT_NOTIFICATION_WINDOW_SECONDS: how far a signed notification's `iat` may be from now. */
  paymentNotificationWindowSeconds: number;
  /** How long a money activity (collect, settle, refund) may take, retries included, before `NEEDS_ATTENTION`. */
  bankCallTimeoutMs: number;
  /** How long the API waits for an Update before answering 504 `update_timeout`. */
  apiUpdateTimeoutMs: number;
  webhook: {
    /** Loopback and private addresses and plain http admitted (development and tests only). */
    allowPrivate: boolean;
    retry: WebhookRetryPolicy;
  };
  apiBodyLimit: string;
  /** Idempotency-Key records: how long a reservation holds, how long records live, how often and how much to sweep. */
  idempotency: { lockMs: number; ttlHours: number; sweepIntervalMs: number; sweepBatchSize: number };
  /** Requests each API key may make per minute before 429. */
  apiRatePerMinute: number;
  /** How long the API trusts a looked-up API key: the bound on how late a revocation or a disable takes effect. */
  apiKeyCacheMs: number;
  /** A prebuilt workflow bundle for the worker; without it the worker bundles src/workflows at start. */
  workflowBundlePath: string | undefined;
  /** LOG_LEVEL, LOG_PRETTY (undefined: pretty when stdout is a terminal outside production) and NODE_ENV's say. */
  logging: { level: LogLevelName; pretty: boolean | undefined; production: boolean };
  metrics: {
    /** When set, `/metrics` (API and worker) answers only `Authorization: Bearer <token>` (or an operator's key). */
    token: string | undefined;
    /** Where the worker's metrics servers listen (loopback unless told otherwise; 0.0.0.0 in containers). */
    host: string;
    /** The worker's prom-client metrics port; 0 turns it off. */
    workerPort: number;
    /** The Temporal SDK's own worker metrics (its Runtime's Prometheus exporter); 0 turns it off. */
    temporalPort: number;
    /** How often at most the API counts orders by status and webhook deliveries by state in the read model. */
    refreshMs: number;
    /** The gateway worker's metrics port (the bank link's gauges); 0 turns it off. */
    gatewayPort: number;
    /** The workers' /metrics the API reads for the console's monitoring summary; undefined: not read. */
    workerUrl: string | undefined;
    gatewayUrl: string | undefined;
    /** How long the API waits for a worker's /metrics before showing it as unknown. */
    scrapeTimeoutMs: number;
  };
  /** OpenTelemetry tracing: off (no SDK loaded) unless an OTLP endpoint is set. */
  tracing: { tracesUrl: string | undefined; protocol: 'http/protobuf' | 'http/json'; serviceName: string | undefined };
  /** The gateway worker, through which every new order pays: its task queue, workflow bundle and bank connection. */
  gateway: {
    taskQueue: string;
    workflowBundlePath: string | undefined;
    bankHostAddress: string;
    acquirerId: string;
    terminalId: string;
    requestTimeoutMs: number;
    echoIntervalMs: number;
    reconnectMaxMs: number;
    maxInFlight: number;
    reversalHorizonMs: number;
    reversalRetryInitialMs: number;
    reversalRetryMaxMs: number;
    /** Electronic checks: the bank host's ISO 20022 channel, the gateway's settlement IBAN, the clearing wait. */
    echeck: {
      iso20022Url: string;
      /** The gateway's bearer token on the bank host's ISO 20022 channel (BANK_HOST_ISO20022_TOKEN). */
      iso20022Token: string | undefined;
      creditorIban: string;
      bankBic: string;
      clearingMs: number;
    };
    /** Card micropayments: below the threshold, collected until their sum or age passes the limits. */
    micropayments: { thresholdMinor: number; maxSumMinor: number; maxAgeMs: number };
    /** Reconciliation: the currencies reconciled, the timing window (days), lines per batch. */
    reconciliation: {
      currencies: string[];
      timingWindowDays: number;
      batchSize: number;
      /** When set, the gateway worker keeps a Temporal Schedule that reconciles each day after its end. */
      scheduleCron: string | undefined;
    };
  };
  /** Settlement batches (README, Settlement batches): the cut-off Schedule and how orders wait for their batch. */
  settlement: {
    /** Whether the gateway worker keeps the cut-off Schedule running (`off` pauses it). */
    scheduleEnabled: boolean;
    /** A cron expression of the cut-offs (UTC); empty: every `intervalMs`. */
    cron: string;
    intervalMs: number;
    /** `batch`: new orders are paid out by the cut-off's batch; `per_order`: each order pays out by itself. */
    orderPayout: 'batch' | 'per_order';
    /** How long an order waits at step 8 for its batch before it needs attention. */
    waitMs: number;
    pageSize: number;
    /** How long the settlement waits before it asks the bank for the payouts' outcome. */
    clearingMs: number;
    /** How long it asks (retries included) before the batch is UNRESOLVED. */
    outcomeTimeoutMs: number;
  };
  /** The console's sign-in sessions: how long one lasts, and when its cookie is `Secure` (`auto`: over HTTPS). */
  session: { ttlMinutes: number; cookieSecure: 'auto' | 'always' | 'never' };
  /** Temporal UI's address, for the console's links to an order's workflow; none when unset. */
  temporalUiUrl: string | undefined;
  /** Where the built console is served from (at /console). */
  consoleDir: string;
}

/**
 * Reads the configuration from an environment (process.env by default).
 * @throws Error listing every invalid variable
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const connections = connectionsFrom(e);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      ...connections.temporal,
      payloadKeys: payloadKeysOf(e.TEMPORAL_PAYLOAD_KEYS),
    },
    codec: {
      uiOrigin: e.TEMPORAL_UI_ORIGIN && new URL(e.TEMPORAL_UI_ORIGIN).origin,
      ratePerMinute: e.CODEC_RATE_PER_MINUTE,
    },
    mongodbUri: e.MONGODB_URI,
    mongodb: connections.mongodb,
    shutdown: {
      workerGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
      workerForceMs: e.WORKER_SHUTDOWN_FORCE_MS,
      apiGraceMs: e.API_SHUTDOWN_GRACE_MS,
    },
    port: e.PORT,
    host: e.HOST,
    keepAliveTimeoutMs: e.API_KEEP_ALIVE_TIMEOUT_MS,
    dataDir: e.DATA_DIR,
    vaultKey: vaultKeyFrom(e.SETTLEFLOW_VAULT_KEY, e.SETTLEFLOW_VAULT_KEY_FILE),
    keys: keyRingSettingsFrom(e),
    defaultDeadlines: {
      supplierAnswerMs: e.SUPPLIER_ANSWER_DEADLINE_MS,
      carrierAnswerMs: e.CARRIER_ANSWER_DEADLINE_MS,
      paymentMs: e.PAYMENT_DEADLINE_MS,
      deliveryMs: e.DELIVERY_DEADLINE_MS,
      sellerConfirmationMs: e.SELLER_CONFIRMATION_DEADLINE_MS,
      disputeResolutionMs: e.DISPUTE_RESOLUTION_DEADLINE_MS,
    },
    paymentMaxAttempts: e.PAYMENT_MAX_ATTEMPTS,
    paymentRatePerMinute: e.PAYMENT_RATE_PER_MINUTE,
    allowPlainCard: e.ALLOW_PLAIN_CARD === undefined ? e.NODE_ENV !== 'production' : e.ALLOW_PLAIN_CARD === 'true',
    paymentNotificationWindowSeconds: e.PAYMENT_NOTIFICATION_WINDOW_SECONDS,
    bankCallTimeoutMs: e.BANK_CALL_TIMEOUT_MS,
    apiUpdateTimeoutMs: e.API_UPDATE_TIMEOUT_MS,
    gatewayFee: { bps: e.GATEWAY_FEE_BPS, fixedMinor: e.GATEWAY_FEE_FIXED_MINOR },
    webhook: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      retry: {
        initialMs: e.WEBHOOK_RETRY_INITIAL_MS,
        maxIntervalMs: e.WEBHOOK_RETRY_MAX_INTERVAL_MS,
        horizonMs: Math.round(e.WEBHOOK_RETRY_HORIZON_HOURS * HOUR_MS),
        attemptTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      },
    },
    apiBodyLimit: e.API_BODY_LIMIT,
    idempotency: {
      lockMs: e.IDEMPOTENCY_LOCK_MS,
      ttlHours: e.IDEMPOTENCY_TTL_HOURS,
      sweepIntervalMs: e.IDEMPOTENCY_SWEEP_INTERVAL_MS,
      sweepBatchSize: e.IDEMPOTENCY_SWEEP_BATCH,
    },
    apiRatePerMinute: e.API_RATE_PER_MINUTE,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    workflowBundlePath: e.SETTLEFLOW_WORKFLOW_BUNDLE,
    logging: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY, production: e.NODE_ENV === 'production' },
    metrics: {
      token: e.METRICS_TOKEN,
      host: e.METRICS_HOST,
      workerPort: e.WORKER_METRICS_PORT,
      temporalPort: e.TEMPORAL_METRICS_PORT,
      refreshMs: e.METRICS_REFRESH_MS,
      gatewayPort: e.GATEWAY_METRICS_PORT,
      workerUrl: metricsUrlFrom(e.WORKER_METRICS_URL, e.WORKER_METRICS_PORT),
      gatewayUrl: metricsUrlFrom(e.GATEWAY_METRICS_URL, e.GATEWAY_METRICS_PORT),
      scrapeTimeoutMs: e.MONITORING_SCRAPE_TIMEOUT_MS,
    },
    tracing: {
      tracesUrl: tracesUrlFrom(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT),
      protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL,
      serviceName: e.OTEL_SERVICE_NAME,
    },
    gateway: {
      taskQueue: e.GATEWAY_TASK_QUEUE,
      workflowBundlePath: e.GATEWAY_WORKFLOW_BUNDLE,
      bankHostAddress: e.BANK_HOST_ADDRESS,
      acquirerId: e.BANK_ACQUIRER_ID,
      terminalId: e.BANK_TERMINAL_ID,
      requestTimeoutMs: e.BANK_REQUEST_TIMEOUT_MS,
      echoIntervalMs: e.BANK_ECHO_INTERVAL_MS,
      reconnectMaxMs: e.BANK_RECONNECT_MAX_MS,
      maxInFlight: e.BANK_MAX_IN_FLIGHT,
      reversalHorizonMs: e.BANK_REVERSAL_HORIZON_MS,
      reversalRetryInitialMs: e.BANK_REVERSAL_RETRY_INITIAL_MS,
      reversalRetryMaxMs: e.BANK_REVERSAL_RETRY_MAX_MS,
      echeck: {
        iso20022Url: e.BANK_HOST_ISO20022_URL.replace(/\/+$/, ''),
        iso20022Token: e.BANK_HOST_ISO20022_TOKEN,
        creditorIban: e.GATEWAY_SETTLEMENT_IBAN,
        bankBic: e.BANK_HOST_BIC,
        clearingMs: e.ECHECK_CLEARING_MS,
      },
      micropayments: {
        thresholdMinor: e.MICROPAYMENT_THRESHOLD_MINOR,
        maxSumMinor: e.MICROPAYMENT_MAX_SUM_MINOR,
        maxAgeMs: e.MICROPAYMENT_MAX_AGE_MS,
      },
      reconciliation: {
        currencies: e.RECONCILIATION_CURRENCIES.split(','),
        timingWindowDays: e.RECONCILIATION_TIMING_WINDOW_DAYS,
        batchSize: e.RECONCILIATION_BATCH_SIZE,
        scheduleCron: e.RECONCILIATION_SCHEDULE_CRON,
      },
    },
    settlement: {
      scheduleEnabled: e.SETTLEMENT_SCHEDULE === 'on',
      cron: e.SETTLEMENT_CUTOFF_CRON.trim(),
      intervalMs: e.SETTLEMENT_CUTOFF_INTERVAL_MS,
      orderPayout: e.SETTLEMENT_ORDER_PAYOUT,
      waitMs: e.SETTLEMENT_WAIT_MS,
      pageSize: e.SETTLEMENT_PAGE_SIZE,
      clearingMs: e.SETTLEMENT_CLEARING_MS,
      outcomeTimeoutMs: e.SETTLEMENT_OUTCOME_TIMEOUT_MS,
    },
    session: {
      ttlMinutes: e.SESSION_TTL_MINUTES,
      cookieSecure: ({ auto: 'auto', true: 'always', false: 'never' } as const)[e.SESSION_COOKIE_SECURE],
    },
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    consoleDir: e.CONSOLE_DIR,
  };
}

/**
 * A worker's /metrics URL for the API: as given (empty: none), else the worker's port on loopback (none when the
 * port is 0, metrics off).
 */
function metricsUrlFrom(url: string | undefined, port: number): string | undefined {
  if (url !== undefined) return url.trim() === '' ? undefined : url.trim();
  return port > 0 ? `http://127.0.0.1:${port}/metrics` : undefined;
}

/** The Temporal and MongoDB connection settings, their files read and checked now (connection-settings.ts). */
function connectionsFrom(e: z.infer<typeof envSchema>) {
  try {
    return { temporal: temporalConnectionFrom(e), mongodb: mongoConnectionFrom(e) };
  } catch (error) {
    if (error instanceof ConnectionSettingError) throw new Error(`invalid configuration: ${error.message}`);
    throw error;
  }
}

/** TEMPORAL_PAYLOAD_KEYS parsed, or undefined when unset; a malformed value is a configuration error. */
function payloadKeysOf(text: string | undefined): PayloadKey[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parsePayloadKeys(text);
  } catch (error) {
    throw new Error(`invalid configuration: ${(error as Error).message}`);
  }
}

/** The OTLP traces URL: the traces endpoint as given, else the base endpoint with `/v1/traces` (as the spec says). */
function tracesUrlFrom(tracesEndpoint: string | undefined, endpoint: string | undefined): string | undefined {
  if (tracesEndpoint) return tracesEndpoint;
  if (!endpoint) return undefined;
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** The key from the variable, or read (trimmed) from the file the other variable names; never both. */
function vaultKeyFrom(
  key: string | undefined,
  file: string | undefined,
  names = ['SETTLEFLOW_VAULT_KEY', 'SETTLEFLOW_VAULT_KEY_FILE'],
): string | undefined {
  const [name, fileName] = names as [string, string];
  if (file === undefined || file === '') return key;
  if (key) throw new Error(`invalid configuration: set ${name} or ${fileName}, not both`);
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new Error(`invalid configuration: ${fileName}: cannot read ${file} (${reason})`);
  }
  if (content === '') throw new Error(`invalid configuration: ${fileName}: ${file} is empty`);
  return content;
}

/** The key ring's settings; a rotation may not activate before every process has reloaded the keys. */
function keyRingSettingsFrom(e: z.infer<typeof envSchema>): Config['keys'] {
  const refreshMs = e.SETTLEFLOW_KEY_REFRESH_MS;
  const activationDelayMs = e.SETTLEFLOW_KEY_ACTIVATION_DELAY_MS ?? 2 * refreshMs + 30_000;
  if (activationDelayMs <= refreshMs) {
    throw new Error(
      'invalid configuration: SETTLEFLOW_KEY_ACTIVATION_DELAY_MS must exceed SETTLEFLOW_KEY_REFRESH_MS ' +
        '(a rotated key may only seal once every process has loaded it)',
    );
  }
  return {
    kek: vaultKeyFrom(e.SETTLEFLOW_KEK, e.SETTLEFLOW_KEK_FILE, ['SETTLEFLOW_KEK', 'SETTLEFLOW_KEK_FILE']),
    refreshMs,
    activationDelayMs,
    jwksGraceMs: Math.round(e.SETTLEFLOW_JWKS_GRACE_HOURS * HOUR_MS),
    jwksMaxAgeSeconds: e.SETTLEFLOW_JWKS_MAX_AGE_SECONDS,
  };
}

/**
 * The vault key, required by the API (to seal card data) and the worker (to open it).
 * @throws Error naming the variable when it is missing
 */
export function requireVaultKey(config: Config): string {
  if (!config.vaultKey) {
    throw new Error('SETTLEFLOW_VAULT_KEY (or SETTLEFLOW_VAULT_KEY_FILE) is not set (base64 of 32 random bytes)');
  }
  return config.vaultKey;
}
