// The one way settleflow's processes connect to Temporal: the address, TLS/mTLS and API key from the configuration,
// a bounded wait for a server that is still starting, then a check that the namespace exists and has every search
// attribute the order workflows write. Each failure ends start-up with an error that says what to fix.
// It must never log or put into an error the API key or the content of a TLS file.

import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';
import { orderSearchAttributes } from './contracts/order-contract';

/** What the check needs of either kind of connection (client or worker). */
interface TemporalServices {
  workflowService: Pick<Connection['workflowService'], 'describeNamespace'>;
  operatorService: Pick<Connection['operatorService'], 'listSearchAttributes'>;
}

/**
 * Each SDK search attribute type: the server's IndexedValueType number (temporal.api.enums.v1, stable wire values)
 * and how the CLI spells it.
 */
const TYPES: Record<string, { indexed: number; cli: string }> = {
  [SearchAttributeType.TEXT]: { indexed: 1, cli: 'Text' },
  [SearchAttributeType.KEYWORD]: { indexed: 2, cli: 'Keyword' },
  [SearchAttributeType.INT]: { indexed: 3, cli: 'Int' },
  [SearchAttributeType.DOUBLE]: { indexed: 4, cli: 'Double' },
  [SearchAttributeType.BOOL]: { indexed: 5, cli: 'Bool' },
  [SearchAttributeType.DATETIME]: { indexed: 6, cli: 'Datetime' },
  [SearchAttributeType.KEYWORD_LIST]: { indexed: 7, cli: 'KeywordList' },
};

/** The search attributes settleflow needs in its namespace: name → type as the CLI spells it. */
export const REQUIRED_SEARCH_ATTRIBUTES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(orderSearchAttributes).map((key) => [key.name, TYPES[key.type]?.cli ?? key.type]),
);

/** A start-up failure to reach or use Temporal, with the fix in its message. */
export class TemporalStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalStartupError';
  }
}

/** The SDK connection options (address, TLS, API key) for the configuration; shared by clients and workers. */
export function temporalConnectionOptions(settings: Config['temporal']) {
  return {
    address: settings.address,
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
}

const describe = (settings: Config['temporal']): string =>
  `Temporal at ${settings.address}${settings.tls ? ' (TLS)' : ''}`;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls `connect` until it succeeds or `settings.connectTimeoutMs` has passed (the server may still be starting),
 * logging each failed attempt; then fails with the last error.
 */
async function connectWithin<T>(
  settings: Config['temporal'],
  connect: (attemptTimeoutMs: number) => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  const deadline = Date.now() + settings.connectTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const left = deadline - Date.now();
    try {
      return await connect(Math.max(1000, Math.min(10_000, left)));
    } catch (error) {
      if (Date.now() + 2000 > deadline) {
        throw new TemporalStartupError(
          `${describe(settings)} is not reachable after ${Math.round(settings.connectTimeoutMs / 1000)} s ` +
            `(TEMPORAL_ADDRESS, TEMPORAL_CONNECT_TIMEOUT_MS${settings.tls ? ', TEMPORAL_TLS_*' : ''}): ${messageOf(error)}`,
        );
      }
      log(`${describe(settings)} not reachable yet (attempt ${attempt}: ${messageOf(error)}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;

/**
 * Checks that the namespace exists and has every search attribute settleflow writes, with the right type.
 * A server that does not let this caller list search attributes (PERMISSION_DENIED, UNIMPLEMENTED) only earns a
 * warning: the workflows would then fail on their first upsert, which the operator can see in Temporal.
 * @throws TemporalStartupError naming what is missing and the command that registers it
 */
export async function assertNamespaceReady(
  services: TemporalServices,
  settings: Pick<Config['temporal'], 'address' | 'namespace'>,
  warn: (line: string) => void = () => undefined,
  required: Readonly<Record<string, string>> = REQUIRED_SEARCH_ATTRIBUTES,
): Promise<void> {
  const { namespace, address } = settings;
  try {
    await services.workflowService.describeNamespace({ namespace });
  } catch (error) {
    if (grpcCode(error) === NOT_FOUND) {
      throw new TemporalStartupError(
        `the namespace "${namespace}" does not exist at ${address} (TEMPORAL_NAMESPACE); register it with ` +
          `\`temporal operator namespace create --namespace ${namespace}\``,
      );
    }
    throw error;
  }
  let listed: Record<string, number>;
  try {
    const answer = await services.operatorService.listSearchAttributes({ namespace });
    listed = (answer.customAttributes ?? {}) as Record<string, number>;
  } catch (error) {
    const code = grpcCode(error);
    if (code === PERMISSION_DENIED || code === UNIMPLEMENTED) {
      warn(`cannot list the search attributes of "${namespace}" (${messageOf(error)}); not checked`);
      return;
    }
    throw error;
  }
  const wrong = Object.entries(required).filter(([name, type]) => {
    const expected = Object.values(TYPES).find((t) => t.cli === type)?.indexed;
    return listed[name] === undefined || listed[name] !== expected;
  });
  if (wrong.length === 0) return;
  const names = wrong.map(([name, type]) => `${name} (${type})`).join(', ');
  const command =
    `temporal operator search-attribute create --namespace ${namespace} ` +
    wrong.map(([name, type]) => `--name ${name} --type ${type}`).join(' ');
  throw new TemporalStartupError(
    `the namespace "${namespace}" at ${address} lacks search attributes settleflow needs (or has them with another ` +
      `type): ${names}. Register them with \`${command}\``,
  );
}

/** Connects a client (the API's) and checks the namespace; see connectWithin and assertNamespaceReady. */
export async function connectTemporalClient(
  settings: Config['temporal'],
  log: (line: string) => void,
): Promise<Connection> {
  const connection = await connectWithin(
    settings,
    (connectTimeout) => Connection.connect({ ...temporalConnectionOptions(settings), connectTimeout }),
    log,
  );
  try {
    await assertNamespaceReady(connection, settings, log);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return connection;
}

/** Connects a worker's native connection and checks the namespace; see connectWithin and assertNamespaceReady. */
export async function connectTemporalWorker(
  settings: Config['temporal'],
  log: (line: string) => void,
): Promise<NativeConnection> {
  const connection = await connectWithin(
    settings,
    () => NativeConnection.connect(temporalConnectionOptions(settings)),
    log,
  );
  try {
    await assertNamespaceReady(connection, settings, log);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return connection;
}
