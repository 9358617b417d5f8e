// The bank host's configuration, parsed once from the environment with zod. The bank host is another system than
// settleflow: it reads only BANK_* variables (never settleflow's MONGODB_URI or vault key), and nothing else in
// src/bank-host reads process.env. Every variable and default is listed in README.md (Bank host, Configuration).

import { readFileSync } from 'node:fs';
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');

const envSchema = z.object({
  BANK_MONGODB_URI: z.string().default('mongodb://127.0.0.1:27017/settleflow_bank'),
  BANK_HOST_LISTEN: z.string().default('127.0.0.1'),
  BANK_HOST_ISO8583_PORT: port(8583),
  BANK_HOST_ISO20022_PORT: port(8584),
  BANK_HOST_CONTROL_PORT: port(8585),
  BANK_HOST_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  BANK_HOST_ISO20022_TOKEN: z
    .string()
    .transform((value) => value.split(',').map((token) => token.trim()))
    .pipe(z.array(z.string().min(16, 'each token must be at least 16 characters')).min(1))
    .optional(),
  BANK_HOST_SECRET: z.string().optional(),
  BANK_HOST_SECRET_FILE: z.string().optional(),
  BANK_HOST_CLEARING_PERIOD_MS: z.coerce.number().int().min(0).default(10_000),
  BANK_HOST_HOLD_TTL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * DAY_MS),
  BANK_HOST_MAX_CONNECTIONS: z.coerce.number().int().positive().default(64),
  BANK_HOST_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  BANK_HOST_SEED_DEMO: flag('true'),
  BANK_HOST_STATEMENT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  BANK_HOST_BIC: z
    .string()
    .regex(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be a BIC')
    .default('SFBKDEFFXXX'),
});

/** The bank host's parsed configuration. */
export interface BankHostConfig {
  /** Its own database (a database name of its own, on any MongoDB/FerretDB server). */
  mongodbUri: string;
  listenHost: string;
  ports: { iso8583: number; iso20022: number; control: number };
  /** Bearer token of the control API. */
  adminToken: string;
  /** Bearer tokens the ISO 20022 channel accepts (the gateway's; two while one is rotated). */
  iso20022Tokens: string[];
  /** 32 bytes: the key of the keyed hashes (HMAC-SHA256) of PANs and CVCs. */
  secret: Buffer;
  /** How long an ISO 20022 instruction waits between acceptance (ACSP) and settlement (ACSC) or return. */
  clearingPeriodMs: number;
  /** How long an authorization hold lasts before it stops counting against the available balance. */
  holdTtlMs: number;
  maxConnections: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Seed the demo cards and accounts at start (idempotent). */
  seedDemo: boolean;
  /** The bank's own BIC, in the status reports it sends. */
  bic: string;
  /** Most entries on one page of a camt.053 end-of-day statement. */
  statementPageSize: number;
}

/**
 * Reads the bank host's configuration from an environment (process.env by default).
 * @throws Error listing every invalid or missing variable
 */
export function loadBankHostConfig(env: NodeJS.ProcessEnv = process.env): BankHostConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid bank host configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.BANK_HOST_ADMIN_TOKEN === undefined) {
    throw new Error('invalid bank host configuration: BANK_HOST_ADMIN_TOKEN is not set (16 characters or more)');
  }
  if (e.BANK_HOST_ISO20022_TOKEN === undefined) {
    throw new Error(
      "invalid bank host configuration: BANK_HOST_ISO20022_TOKEN is not set (the gateway's token for the ISO 20022 " +
        'channel, 16 characters or more; comma-separated while one is rotated)',
    );
  }
  if (e.BANK_HOST_ISO20022_TOKEN.includes(e.BANK_HOST_ADMIN_TOKEN)) {
    throw new Error('invalid bank host configuration: BANK_HOST_ISO20022_TOKEN must not be the admin token');
  }
  return {
    mongodbUri: e.BANK_MONGODB_URI,
    listenHost: e.BANK_HOST_LISTEN,
    ports: {
      iso8583: e.BANK_HOST_ISO8583_PORT,
      iso20022: e.BANK_HOST_ISO20022_PORT,
      control: e.BANK_HOST_CONTROL_PORT,
    },
    adminToken: e.BANK_HOST_ADMIN_TOKEN,
    iso20022Tokens: e.BANK_HOST_ISO20022_TOKEN,
    secret: secretFrom(e.BANK_HOST_SECRET, e.BANK_HOST_SECRET_FILE),
    clearingPeriodMs: e.BANK_HOST_CLEARING_PERIOD_MS,
    holdTtlMs: e.BANK_HOST_HOLD_TTL_MS,
    maxConnections: e.BANK_HOST_MAX_CONNECTIONS,
    logLevel: e.BANK_HOST_LOG_LEVEL,
    seedDemo: e.BANK_HOST_SEED_DEMO,
    bic: e.BANK_HOST_BIC,
    statementPageSize: e.BANK_HOST_STATEMENT_PAGE_SIZE,
  };
}

/** The hashing key: base64 of 32 bytes, from the variable or the file the other one names (never both). */
function secretFrom(value: string | undefined, file: string | undefined): Buffer {
  let text = value;
  if (file !== undefined && file !== '') {
    if (value)
      throw new Error('invalid bank host configuration: set BANK_HOST_SECRET or BANK_HOST_SECRET_FILE, not both');
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new Error(`invalid bank host configuration: BANK_HOST_SECRET_FILE: cannot read ${file} (${reason})`);
    }
  }
  if (!text) throw new Error('invalid bank host configuration: BANK_HOST_SECRET is not set (base64 of 32 bytes)');
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new Error('invalid bank host configuration: BANK_HOST_SECRET must be base64 of 32 bytes');
  return key;
}
