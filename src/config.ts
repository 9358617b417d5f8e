// settleflow's configuration, parsed once from the environment; every default is documented in README.md.
// Nothing else reads process.env.

import path from 'node:path';
import { z } from 'zod';
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
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  API_BODY_LIMIT: z.string().default('100kb'),
  SETTLEFLOW_WORKFLOW_BUNDLE: z.string().optional(),
});

/** The parsed configuration. */
export interface Config {
  temporal: { address: string; namespace: string; taskQueue: string };
  mongodbUri: string;
  port: number;
  /** The API's listen address: loopback unless told otherwise (0.0.0.0 in containers). */
  host: string;
  dataDir: string;
  /** base64 of 32 bytes; undefined when not configured (the API and worker then refuse to start). */
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
  webhookMaxAttempts: number;
  apiBodyLimit: string;
  /** A prebuilt workflow bundle for the worker; without it the worker bundles src/workflows at start. */
  workflowBundlePath: string | undefined;
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
    vaultKey: e.SETTLEFLOW_VAULT_KEY,
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
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    apiBodyLimit: e.API_BODY_LIMIT,
    workflowBundlePath: e.SETTLEFLOW_WORKFLOW_BUNDLE,
  };
}

/**
 * The vault key, required by the API (to seal card data) and the worker (to open it).
 * @throws Error naming the variable when it is missing
 */
export function requireVaultKey(config: Config): string {
  if (!config.vaultKey) throw new Error('SETTLEFLOW_VAULT_KEY is not set (base64 of 32 random bytes)');
  return config.vaultKey;
}
