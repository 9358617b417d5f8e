#!/usr/bin/env node
// `npm run console:build`: the console's build. Writes its API types from the OpenAPI document, type-checks it with
// its own (browser) tsconfig, and bundles it with Vite into console/dist, which the API serves at /console.
// `--if-stale` builds only when console/dist is missing or older than a source it is made from (npm start uses it).
// Never touches anything outside console/.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const consoleDir = path.join(root, 'console');
const builtIndex = path.join(consoleDir, 'dist', 'index.html');

/** Files the build reads: the console's sources and the modules that make the OpenAPI document. */
function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else files.push(file);
    }
  };
  walk(path.join(consoleDir, 'src'));
  for (const file of ['index.html', 'vite.config.mts', 'tsconfig.json']) files.push(path.join(consoleDir, file));
  walk(path.join(root, 'src', 'api'));
  files.push(path.join(root, 'package-lock.json'));
  return files;
}

/** Whether console/dist is missing or older than any of its sources. */
function isStale() {
  if (!fs.existsSync(builtIndex)) return true;
  const built = fs.statSync(builtIndex).mtimeMs;
  return sources().some((file) => fs.existsSync(file) && fs.statSync(file).mtimeMs > built);
}

function run(label, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${label} failed (exit code ${result.status})`);
}

/** Builds the console (types, type check, bundle); with `ifStale`, only when needed. Returns whether it built. */
function buildConsole({ ifStale = false, log = (line) => console.log(line) } = {}) {
  if (ifStale && !isStale()) return false;
  log('building the console (console/dist)...');
  run('console:types', [path.join(root, 'scripts', 'run-ts.js'), path.join(root, 'scripts', 'console-types.ts')]);
  run('the console type check', [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    path.join(consoleDir, 'tsconfig.json'),
  ]);
  run('vite build', [
    path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    path.join(consoleDir, 'vite.config.mts'),
    '--logLevel',
    'warn',
  ]);
  // Vite keeps index.html's own time; touch it so the staleness check compares with the build time.
  const now = new Date();
  fs.utimesSync(builtIndex, now, now);
  log('console built');
  return true;
}

module.exports = { buildConsole, isStale };

if (require.main === module) {
  try {
    buildConsole({ ifStale: process.argv.includes('--if-stale') });
  } catch (error) {
    console.error(`console build: ${error.message}`);
    process.exit(1);
  }
}
