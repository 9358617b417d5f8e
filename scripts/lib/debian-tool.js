// Finds a tool the tests need from Debian's packages, installing the packages with apt-get when it is missing
// (apt-get update first; needs root, as on CI). Never downloads a build of its own. Used for Chromium (browser tests)
// and pdftotext (report tests).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

function apt(args, log) {
  log(`apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new Error(`apt-get could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit code ${result.status})`);
}

/**
 * The path of a tool: `$envVar` when set, else the first of `candidates` that exists, else installed with
 * `packages` (the first one names the tool's package in messages).
 * @param {{ name: string, envVar: string, candidates: string[], packages: string[], log?: (line: string) => void }} tool
 * @throws Error when it is missing and cannot be installed (not root, no apt-get)
 */
function ensureDebianTool({ name, envVar, candidates, packages, log = (line) => console.error(line) }) {
  const found = () => candidates.find((file) => fs.existsSync(file));
  const existing = process.env[envVar] || found();
  if (existing) return existing;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${name} is missing: install it with \`sudo apt-get install ${packages[0]}\` (or set ${envVar})`);
  }
  apt(['update'], log);
  apt(['install', '-y', '--no-install-recommends', ...packages], log);
  const installed = found();
  if (!installed) throw new Error(`apt-get installed ${packages[0]}, but no ${name} executable was found`);
  return installed;
}

/** Runs `ensure` as a script: prints the path, or the error and exits 1. */
function runAsScript(ensure) {
  try {
    console.log(ensure());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

module.exports = { ensureDebianTool, runAsScript };
