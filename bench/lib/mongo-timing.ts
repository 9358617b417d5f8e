// Times every MongoDB command a process sends, through the driver's command monitoring (the connection string
// must carry `monitorCommands=true`): how much of a request or an activity is spent waiting for the database.

import type { Database } from '../../src/persistence/database';
import type { Timings } from './timings';

/** A connection string with command monitoring switched on. */
export function withCommandMonitoring(uri: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

/** Records each command's duration as `mongo <command>` (e.g. `mongo update`). */
export function timeMongoCommands(db: Database, timings: Timings): void {
  const client = db.connection.getClient();
  client.on('commandSucceeded', (event) => timings.add(`mongo ${event.commandName}`, event.duration));
  client.on('commandFailed', (event) => timings.add(`mongo ${event.commandName}`, event.duration));
}
