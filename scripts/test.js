#!/usr/bin/env node
// `npm test`: installs dependencies on a fresh clone, makes sure the server binaries exist (building them
// once with Go, with visible progress), then runs jest. The servers themselves are started by jest's
// global setup (test/global-setup.js), once per run.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Runs `npm ci` (or `npm install` without a lock file) when node_modules is missing. */
function installDependenciesIfMissing() {
  if (fs.existsSync(path.join(root, 'node_modules'))) return;
  const command = fs.existsSync(path.join(root, 'package-lock.json')) ? 'ci' : 'install';
  console.error(`node_modules is missing: running npm ${command}...`);
  const result = spawnSync('npm', [command], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm ${command} failed`);
    process.exit(result.status || 1);
  }
}

async function main() {
  installDependenciesIfMissing();
  if (!(process.env.TEMPORAL_ADDRESS && process.env.MONGODB_URI)) {
    const { temporalBin, ferretdbBin } = await require('./lib/provision').provision({
      log: (line) => console.error(line),
    });
    process.env.TEMPORAL_BIN = temporalBin;
    process.env.FERRETDB_BIN = ferretdbBin;
  }
  const args = process.argv.slice(2);
  const setsWorkers = args.some((arg) => /^(--maxWorkers|-w|--runInBand|-i$)/.test(arg));
  const jestArgs = setsWorkers ? args : ['--maxWorkers=2', ...args];
  // Ctrl-C reaches jest directly (same process group); wait for it and pass its exit code on.
  process.on('SIGINT', () => {});
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jestArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
