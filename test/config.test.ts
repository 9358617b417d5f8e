// The configuration's vault key sources (src/config.ts): the variable, or a file named by SETTLEFLOW_VAULT_KEY_FILE
// (a Docker secret). No servers.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'settleflow-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('config', () => {
  it('loadConfig › SETTLEFLOW_VAULT_KEY_FILE names a secret file › the key is read from it, trimmed', () => {
    const file = path.join(dir, 'vault_key');
    writeFileSync(file, 'a2V5LWZyb20tdGhlLXNlY3JldC1maWxlLTMyLWJ5dGVzIQ==\n');

    const config = loadConfig({ SETTLEFLOW_VAULT_KEY_FILE: file });

    expect(config.vaultKey).toBe('a2V5LWZyb20tdGhlLXNlY3JldC1maWxlLTMyLWJ5dGVzIQ==');
  });

  it('loadConfig › only SETTLEFLOW_VAULT_KEY › the key is the variable', () => {
    expect(loadConfig({ SETTLEFLOW_VAULT_KEY: 'from-the-variable' }).vaultKey).toBe('from-the-variable');
  });

  it('loadConfig › both SETTLEFLOW_VAULT_KEY and SETTLEFLOW_VAULT_KEY_FILE › is rejected naming both', () => {
    const file = path.join(dir, 'vault_key');
    writeFileSync(file, 'from-the-file');

    expect(() => loadConfig({ SETTLEFLOW_VAULT_KEY: 'from-the-variable', SETTLEFLOW_VAULT_KEY_FILE: file })).toThrow(
      /SETTLEFLOW_VAULT_KEY.*SETTLEFLOW_VAULT_KEY_FILE/,
    );
  });

  it('loadConfig › SETTLEFLOW_VAULT_KEY_FILE names a missing file › is rejected naming the variable', () => {
    expect(() => loadConfig({ SETTLEFLOW_VAULT_KEY_FILE: path.join(dir, 'absent') })).toThrow(
      /SETTLEFLOW_VAULT_KEY_FILE/,
    );
  });

  it('loadConfig › SETTLEFLOW_VAULT_KEY_FILE names an empty file › is rejected naming the variable', () => {
    const file = path.join(dir, 'vault_key');
    writeFileSync(file, '\n');

    expect(() => loadConfig({ SETTLEFLOW_VAULT_KEY_FILE: file })).toThrow(/SETTLEFLOW_VAULT_KEY_FILE.*empty/);
  });
});
