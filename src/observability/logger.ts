// The one logger factory of every settleflow process (API, order worker, gateway worker, bank host): pino writing
// structured JSON lines, pretty-printed for a developer at a terminal. Secrets are removed by configuration before a
// line is written: known keys (Authorization, card, CVC, API keys, webhook secrets, vault keys, tokens) by pino's
// `redact` paths, and any PAN-like digit run in free text by a scrubber. It must never write a secret in clear.
//
// Adopting it in another process (bank host, gateway worker):
//   const logger = createLogger({ service: 'settleflow-bank-host', ...loggingFrom(config) });
//   Runtime.install({ logger: temporalLoggerFor(logger) });   // only in processes that run a Temporal worker
//   logger.info({ orderId }, 'authorization answered');         // objects first, then the message

import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Writable } from 'node:stream';
import { currentRequestId } from './request-context';

/** A settleflow logger (pino's). */
export type Logger = pino.Logger;

/** The log levels settleflow accepts in LOG_LEVEL. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** What the logger replaces a redacted value with. */
export const REDACTED = '[REDACTED]';

/** Keys whose values are secret wherever they appear (matched at the top level and up to three levels down). */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  '"set-cookie"',
  '"x-api-key"',
  '"x-metrics-token"',
  'apiKey',
  'api_key',
  'secret',
  'webhookSecret',
  'signingSecret',
  'token',
  'accessToken',
  'metricsToken',
  'password',
  'vaultKey',
  'card',
  'cardNumber',
  'pan',
  'cvc',
  'cvv',
  'sealedCard',
  'track2',
  'pinBlock',
];

/** pino `redact` paths: each secret key at depth 0 to 3 (headers of a request sit at depth 2). */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const at = (prefix: string) => (key.startsWith('"') ? `${prefix}[${key}]` : `${prefix}.${key}`);
  return [key.startsWith('"') ? `[${key}]` : key, at('*'), at('*.*'), at('*.*.*')];
});

const PAN_CANDIDATE = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Replaces every PAN-like run in free text: 13 to 19 digits, optionally grouped by spaces or dashes, that pass the
 * Luhn check (so most ids and timestamps stay readable; a card number never does).
 */
export function scrubPans(text: string): string {
  return text.replace(PAN_CANDIDATE, (run) => (luhnValid(run.replace(/[ -]/g, '')) ? '[PAN REDACTED]' : run));
}

const MAX_SCRUB_DEPTH = 6;

/** A copy of a log object with PAN-like runs scrubbed from every string in it (errors become plain objects). */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubPans(value);
  if (value === null || typeof value !== 'object' || depth > MAX_SCRUB_DEPTH) return value;
  if (value instanceof Error) {
    // Same class (pino's serializer names it), scrubbed message and stack, and the code: no other own property.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error & { code?: unknown };
    copy.message = scrubPans(value.message);
    if (value.stack) copy.stack = scrubPans(value.stack);
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') copy.code = code;
    return copy;
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => scrubValue(item, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = scrubValue(item, depth + 1);
  return copy;
}

/** How a logger writes: level, pretty or JSON, and where to (stdout by default). */
export interface LoggerOptions {
  /** The process's name in every line (`service`), e.g. `settleflow-api`. */
  service: string;
  level?: LogLevelName;
  /** Pretty, coloured lines instead of JSON (development only). */
  pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream they read. */
  destination?: Writable;
}

/** Creates a logger; every line carries `service`, and `requestId` when written while a request is being served. */
export function createLogger(options: LoggerOptions): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === undefined ? {} : { requestId };
    },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubValue(object, 0) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg: unknown) => (typeof arg === 'string' ? scrubPans(arg) : arg));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  if (options.destination) return pino(settings, options.destination);
  if (options.pretty) return pino(settings, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
  return pino(settings, pino.destination({ dest: 1, sync: true }));
}

/**
 * The logging settings from the configuration: pretty when LOG_PRETTY says so, or (unset) when stdout is a terminal
 * and NODE_ENV is not `production`.
 */
export function loggingFrom(config: {
  logging: { level: LogLevelName; pretty: boolean | undefined; production: boolean };
}): { level: LogLevelName; pretty: boolean } {
  const pretty = config.logging.pretty ?? (process.stdout.isTTY === true && !config.logging.production);
  return { level: config.logging.level, pretty };
}

const TEMPORAL_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger interface on a pino logger, for `Runtime.install({ logger })`: the SDK's own lines, the
 * workflows' (through the SDK's logger sink) and `Context.current().log` in activities then go through pino, with
 * their attributes (workflow id, activity type, request id) as fields.
 */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const sdk = logger.child({ component: 'temporal' });
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    // The SDK passes failures as `error`: pino serializes (and the scrubber cleans) them under `err`.
    const { error, ...rest } = meta ?? {};
    const fields = error instanceof Error ? { ...rest, err: error } : (meta ?? {});
    sdk[TEMPORAL_LEVELS[level] ?? 'info'](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
