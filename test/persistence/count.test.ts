// countMatching on the real database server: exact counts for the filters settleflow counts with (an equality, a
// prefix `$regex`, `$and` with `$not`), 0 for a collection that does not exist, and one `count` command each, never an
// aggregation (FerretDB's `$group`, behind the driver's countDocuments, keeps every matching document in its memory).
import { randomUUID } from 'node:crypto';
import { countMatching } from '../../src/persistence/count';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

let db: Database;
const commands: string[] = [];

beforeAll(async () => {
  db = await connectDatabase(`${uniqueDatabaseUri(testServers().mongoUri, 'count')}?monitorCommands=true`);
  db.connection.getClient().on('commandStarted', (event) => commands.push(event.commandName));
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
});

test('countMatching › equality, prefix regex, $and with $not, a missing collection › exact, one count command each', async () => {
  const name = `count_${randomUUID().slice(0, 8)}`;
  const documents = Array.from({ length: 1_234 }, (_, i) => ({
    _id: `d${i}`,
    state: i % 10 === 0 ? 'pending' : 'done',
    sealed: i % 3 === 0 ? `v2.k1.${i}` : i % 3 === 1 ? `v2.k2.${i}` : `v1.${i}`,
  }));
  await db.connection.collection(name).insertMany(documents as never[]);
  commands.length = 0;

  const pending = await countMatching(db.connection, name, { state: 'pending' }, { maxTimeMS: 2_000 });
  const underK1 = await countMatching(db.connection, name, { sealed: { $regex: '^v2\\.k1\\.' } });
  const stale = await countMatching(db.connection, name, {
    $and: [{ sealed: { $regex: '^v[12]\\.' } }, { sealed: { $not: { $regex: '^v2\\.k2\\.' } } }],
  });
  const missing = await countMatching(db.connection, `${name}_missing`, { state: 'pending' });

  expect({ pending, underK1, stale, missing }).toEqual({
    pending: documents.filter((d) => d.state === 'pending').length, // 124
    underK1: documents.filter((d) => d.sealed.startsWith('v2.k1.')).length, // 412
    stale: documents.filter((d) => !d.sealed.startsWith('v2.k2.')).length, // 823
    missing: 0,
  });
  expect(pending).toBe(124);
  expect(commands).toEqual(['count', 'count', 'count', 'count']);
});
