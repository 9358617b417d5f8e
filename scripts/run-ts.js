#!/usr/bin/env node
// Runs a TypeScript entry point without a build step: `node scripts/run-ts.js <file.ts> [args...]`.
// Transpile-only (no type check: `npm run typecheck` does that), so start-up stays fast.
'use strict';

const path = require('node:path');

const [, , file, ...args] = process.argv;
if (!file) {
  console.error('usage: node scripts/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
const entry = path.resolve(file);
// The entry point sees itself as argv[1] and its own arguments after it, as if run directly.
process.argv = [process.argv[0], entry, ...args];
require(entry);
