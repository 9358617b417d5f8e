// `npm run console:types`: writes the console's API types (console/src/api/schema.d.ts) from the OpenAPI document
// the app serves, built by the same module (src/api/openapi.ts), with openapi-typescript. Never edits anything else.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openApiDocument } from '../src/api/openapi';

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'console', 'src', 'api', 'schema.d.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-openapi-'));
const documentFile = path.join(dir, 'openapi.json');
fs.writeFileSync(documentFile, JSON.stringify(openApiDocument(), null, 2));
const cli = path.join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const result = spawnSync(process.execPath, [cli, documentFile, '--output', out, '--root-types'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
fs.rmSync(dir, { recursive: true, force: true });
if (result.status !== 0) {
  console.error(`openapi-typescript failed (exit code ${result.status})`);
  process.exit(1);
}
console.log(`wrote ${path.relative(root, out)}`);
