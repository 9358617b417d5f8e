// Determinism: recorded histories replay against the current workflow code: a closed and a cancelled order of
// version 1 (recorded before the `order-hardening-v2` patch: running v1 orders must survive a deploy), and the
// hardened workflow down every terminal path (v2-*.json), and a webhook delivery from before and after its first
// attempt became a local activity (webhook-delivery-*.json). A change that would make running orders non-deterministic
// fails here; re-record only with versioning (see scripts/record-history.ts). They replay through the payload codec
// (src/temporal/codec.ts), which passes their unencrypted payloads through.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { testDataConverter, testServers } from '../support/workflow-env';

const historiesDir = path.resolve(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(historiesDir).filter((file) => file.endsWith('.json'));

describe('replay', () => {
  it('recorded histories › replayed against the current workflow code › all replay without a determinism error', async () => {
    const { bundlePath } = testServers();
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: temporal.api.history.v1.History.fromObject(
        JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')),
      ),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories(
      // With the product's payload codec, as a worker replays them after a deploy: their payloads (recorded before the
      // codec) pass through it.
      bundlePath
        ? { workflowBundle: { codePath: bundlePath }, dataConverter: testDataConverter() }
        : { workflowsPath: require.resolve('../../src/workflows'), dataConverter: testDataConverter() },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(files).toEqual(expect.arrayContaining(['order-closed.json', 'order-cancelled.json', 'v2-closed.json']));
    expect(files.length).toBeGreaterThanOrEqual(17);
    expect(results).toEqual(files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), error: undefined })));
  });
});
