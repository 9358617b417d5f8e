#!/usr/bin/env node
// `npm test`: installs dependencies on a fresh clone, makes sure the server binaries exist (building them
// once with Go, with visible progress), then runs jest. The servers themselves are started by jest's
// global setup (test/global-setup.js), once per run.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
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
  const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'settleflow-jest-')), 'results.json');
  const jestArgs = [...(setsWorkers ? args : ['--maxWorkers=2', ...args]), '--json', `--outputFile=${reportFile}`];
  // Ctrl-C reaches jest directly (same process group); wait for it and pass its exit code on.
  process.on('SIGINT', () => {});
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jestArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  printSummary(reportFile);
  process.exit(result.status ?? 1);
}

/**
 * Prints jest's counts as one plain closing line, `tests: N passed, N failed[, N skipped]`, the form CI reads, and
 * appends them to the file named by SETTLEFLOW_CI_SUMMARY (if set) for .ci/run's grand total.
 */
function printSummary(reportFile) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  } catch {
    console.log('tests: jest wrote no results (see its output above)');
    return;
  } finally {
    fs.rmSync(path.dirname(reportFile), { recursive: true, force: true });
  }
  const passed = report.numPassedTests;
  // A suite that failed to run (syntax error, failed hook) has no failed test but is a failure all the same.
  const failed = report.numFailedTests + report.numRuntimeErrorTestSuites;
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  if (process.env.SETTLEFLOW_CI_SUMMARY) {
    fs.appendFileSync(process.env.SETTLEFLOW_CI_SUMMARY, `jest ${passed} ${failed}\n`);
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
