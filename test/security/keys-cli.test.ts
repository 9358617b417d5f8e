// `npm run keys` as an operator runs it (scripts/keys.ts as a process, on the real database): list, rotate, retire,
// and the clear refusals (unknown purpose, retiring the current key, no KEK). Prints ids and states, never key
// material.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateKek } from '../../src/security/kek';
import { uniqueDatabaseUri } from '../support/workflow-env';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

let env: Record<string, string>;

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['scripts/run-ts.js', 'scripts/keys.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run through jest (its globalSetup sets it)');
  env = { MONGODB_URI: uniqueDatabaseUri(uri, 'settleflow_keys_cli'), SETTLEFLOW_KEK: generateKek() };
});

describe('keys CLI', () => {
  it('keys CLI › list, rotate, retire (a signing key in its grace period only with --force) › states change as told and no key material is printed', async () => {
    const listed = await keys('list');
    expect(listed.code).toBe(0);
    for (const purpose of ['card-vault', 'webhook-secrets', 'idempotency', 'temporal-payloads', 'signing']) {
      expect(listed.stdout).toMatch(new RegExp(`${purpose}-1-[0-9a-f]{8}.*active`));
    }
    const signingKid = /(signing-1-[0-9a-f]{8})/.exec(listed.stdout)?.[1] as string;

    const refused = await keys('retire', signingKid);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`key ${signingKid} is the current signing key`);
    expect(refused.stderr).toContain('[key_in_use]');

    const rotated = await keys('rotate', 'signing', '--now');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/added signing-2-[0-9a-f]{8} \(signing, ES256\)/);
    expect(rotated.stdout).toMatch(new RegExp(`${signingKid}.*retiring`));

    // Superseded a moment ago, it is in the JWKS grace period: notices signed under it still verify; --force retires.
    const early = await keys('retire', signingKid);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`not retired: notices signed under ${signingKid} verify with the JWKS`);
    const retired = await keys('retire', signingKid, '--force');
    expect(retired.code).toBe(0);
    expect(retired.stdout).toContain(`retired ${signingKid} (signing)`);
    expect((await keys('list')).stdout).toMatch(new RegExp(`${signingKid}.*retired`));
    expect(`${listed.stdout}${rotated.stdout}`).not.toContain(env.SETTLEFLOW_KEK);
  });

  it('keys CLI › an unknown purpose › exits 1 naming the purposes', async () => {
    const result = await keys('rotate', 'everything');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rotate needs a purpose: card-vault, webhook-secrets');
  });

  it('keys CLI › without SETTLEFLOW_KEK › exits 1 naming the variable', async () => {
    const saved = env;
    env = { MONGODB_URI: saved.MONGODB_URI as string };
    try {
      const result = await keys('list');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot open the key ring: SETTLEFLOW_KEK (or SETTLEFLOW_KEK_FILE) is not set');
    } finally {
      env = saved;
    }
  });
});
