// Times every MongoDB command a process sends, through the driver's command monitoring (the connection string
// must carry `monitorCommands=true`): how much of a request or an activity is spent waiting for the database, and
// which request or activity sent it. Never records a command's content, only its name and collection.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from '../../src/persistence/database';
import type { Timings } from './timings';

/** A connection string with command monitoring switched on. */
export function withCommandMonitoring(uri: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

/** Names the caller (an HTTP route, an activity) around the commands it sends; see {@link timeMongoCommands}. */
export const mongoCaller = new AsyncLocalStorage<string>();

/**
 * Records each command's duration as `mongo <command>` (e.g. `mongo update`), and its count by caller and collection
 * as `db <caller> <command> <collection>`. The caller is {@link mongoCaller}'s, or `callerOf()`'s when that has none.
 */
export function timeMongoCommands(db: Database, timings: Timings, callerOf?: () => string | undefined): void {
  const client = db.connection.getClient();
  const shapes = new Map<number, string>();
  client.on('commandStarted', (event) => {
    const caller = mongoCaller.getStore() ?? callerOf?.() ?? 'other';
    const collection: unknown = (event.command as Record<string, unknown>)[event.commandName];
    const name = `${event.commandName} ${typeof collection === 'string' ? collection : '-'}`;
    timings.add(`db ${caller} ${name}`, 0);
    shapes.set(event.requestId, `dbt ${name} ${shapeOf(event.command as Record<string, unknown>)}`);
  });
  const done = (event: { requestId: number; commandName: string; duration: number }) => {
    timings.add(`mongo ${event.commandName}`, event.duration);
    const shape = shapes.get(event.requestId);
    if (shape === undefined) return;
    shapes.delete(event.requestId);
    timings.add(shape, event.duration);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
}

/**
 * A command's shape: the field names of its filter (`{_id,version}`), of its first update or delete statement's
 * filter, or of an aggregation's first `$match`, with `$`-operators kept (`{sellerId,at:$gte}`); never a value.
 */
function shapeOf(command: Record<string, unknown>): string {
  const first = (list: unknown) => (Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined);
  const filter =
    command.filter ??
    command.query ??
    first(command.updates)?.q ??
    first(command.deletes)?.q ??
    (first(command.pipeline)?.$match as unknown) ??
    (command.documents ? 'documents' : undefined);
  const sort = command.sort ? ` sort ${keysOf(command.sort)}` : '';
  return `${typeof filter === 'string' ? filter : keysOf(filter)}${sort}`;
}

function keysOf(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '-';
  const keys = Object.entries(value as Record<string, unknown>).map(([key, inner]) => {
    const operators =
      inner !== null && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date)
        ? Object.keys(inner).filter((k) => k.startsWith('$'))
        : [];
    return operators.length > 0 ? `${key}:${operators.join(':')}` : key;
  });
  return `{${keys.join(',')}}`;
}
