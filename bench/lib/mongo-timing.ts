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
  client.on('commandStarted', (event) => {
    const caller = mongoCaller.getStore() ?? callerOf?.() ?? 'other';
    const collection: unknown = (event.command as Record<string, unknown>)[event.commandName];
    timings.add(`db ${caller} ${event.commandName} ${typeof collection === 'string' ? collection : '-'}`, 0);
  });
  client.on('commandSucceeded', (event) => timings.add(`mongo ${event.commandName}`, event.duration));
  client.on('commandFailed', (event) => timings.add(`mongo ${event.commandName}`, event.duration));
}
