// BatchedInserts on the real database server: concurrent inserts go as one command, and each caller learns its own
// document's outcome (inserted, or a duplicate of one already there), as the webhook delivery records rely on.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { BatchedInserts } from '../../src/persistence/batched-inserts';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

interface Doc {
  _id: string;
  n: number;
}

let db: Database;
let inserts: number;

beforeAll(async () => {
  db = await connectDatabase(`${uniqueDatabaseUri(testServers().mongoUri, 'bi')}?monitorCommands=true`);
  db.connection.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'insert') inserts += 1;
  });
});

afterAll(async () => {
  await db?.connection.dropDatabase();
  await db?.close();
});

const collection = () => db.connection.collection<Doc>(`batched_${randomUUID().slice(0, 8)}`);

test('batched inserts › 50 at once, one already there, one twice › one command; each told its own outcome', async () => {
  const docs = collection();
  await docs.insertOne({ _id: 'd-7', n: -1 });
  const batches = new BatchedInserts(() => docs, { flushMs: 20, maxBatch: 500 });
  inserts = 0;
  const ids = [...Array.from({ length: 50 }, (_, i) => `d-${i}`), 'd-3'];
  const outcomes = await Promise.all(ids.map((id, n) => batches.insert({ _id: id, n })));
  expect(inserts).toBe(1);
  expect(outcomes.filter((o) => o === 'duplicate').length).toBe(2);
  expect([outcomes[7], outcomes[3], outcomes[50], outcomes[8]]).toEqual([
    'duplicate',
    'inserted',
    'duplicate',
    'inserted',
  ]);
  // The one already there is untouched; the first of the two copies won.
  expect(await docs.findOne({ _id: 'd-7' })).toEqual({ _id: 'd-7', n: -1 });
  expect(await docs.findOne({ _id: 'd-3' })).toEqual({ _id: 'd-3', n: 3 });
  expect(await docs.countDocuments()).toBe(50);
});

test('batched inserts › more than maxBatch › flushed in batches of maxBatch, all inserted', async () => {
  const docs = collection();
  const batches = new BatchedInserts(() => docs, { flushMs: 1_000, maxBatch: 10 });
  inserts = 0;
  const outcomes = await Promise.all(Array.from({ length: 25 }, (_, n) => batches.insert({ _id: `e-${n}`, n })));
  expect([inserts, outcomes.every((o) => o === 'inserted'), await docs.countDocuments()]).toEqual([3, true, 25]);
});

test('batched inserts › a document the server refuses › that caller gets the error, the others are inserted', async () => {
  const docs = collection();
  const batches = new BatchedInserts(() => docs, { flushMs: 20, maxBatch: 500 });
  const bad = { _id: 'bad', n: 1, $where: 'x' } as unknown as Doc; // a top-level `$` field is refused
  const results = await Promise.allSettled([batches.insert({ _id: 'ok-1', n: 1 }), batches.insert(bad)]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  expect(await docs.countDocuments()).toBe(1);
});
