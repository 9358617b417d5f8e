// settleflow's configuration, parsed once from the environment; every default is documented in README.md.
// Nothing else reads process.env.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { WebhookRetryPolicy } from './contracts/webhook-delivery-contract';
import type { OrderDeadlines } from './domain/order';

const HOUR_MS = 60 * 60 * 1000;

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('settleflow-orders'),
  MONGODB_URI: z.string().default('mongodb://127.0.0.1:27017/settleflow'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default(path.resolve(__dirname, '..', '.data')),
  SETTLEFLOW_VAULT_KEY: z.string().optional(),
  SETTLEFLOW_VAULT_KEY_FILE: z.string().optional(),
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
  temporal: { address: string; namespace: string; taskQueue: string };
  mongodbUri: string;
  port: number;
  /** The API's listen address: loopback unless told otherwise (0.0.0.0 in containers). */
  host: string;
  dataDir: string;
  /**
   * base64 of 32 bytes, from SETTLEFLOW_VAULT_KEY or the file SETTLEFLOW_VAULT_KEY_FILE names (a Docker secret);
   * undefined when not configured (the API and worker then refuse to start).
   */
  vaultKey: string | undefined;
  defaultDeadlines: OrderDeadlines;
  gatewayFee: { bps: number; fixedMinor: number };
  /** Payment notifications an order takes before it is cancelled as `PAYMENT_FAILED`. */
  paymentMaxAttempts: number;
  /** Payment notifications per minute, per customer and per order, before the API answers 429. */
  paymentRatePerMinute: number;
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
  return {
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    mongodbUri: e.MONGODB_URI,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    vaultKey: vaultKeyFrom(e.SETTLEFLOW_VAULT_KEY, e.SETTLEFLOW_VAULT_KEY_FILE),
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
    session: {
      ttlMinutes: e.SESSION_TTL_MINUTES,
      cookieSecure: ({ auto: 'auto', true: 'always', false: 'never' } as const)[e.SESSION_COOKIE_SECURE],
    },
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    consoleDir: e.CONSOLE_DIR,
  };
}

/** The key from the variable, or read (trimmed) from the file the other variable names; never both. */
function vaultKeyFrom(key: string | undefined, file: string | undefined): string | undefined {
  if (file === undefined || file === '') return key;
  if (key) throw new Error('invalid configuration: set SETTLEFLOW_VAULT_KEY or SETTLEFLOW_VAULT_KEY_FILE, not both');
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new Error(`invalid configuration: SETTLEFLOW_VAULT_KEY_FILE: cannot read ${file} (${reason})`);
  }
  if (content === '') throw new Error(`invalid configuration: SETTLEFLOW_VAULT_KEY_FILE: ${file} is empty`);
  return content;
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
