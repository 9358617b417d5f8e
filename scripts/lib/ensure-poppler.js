// Finds pdftotext from Debian's poppler-utils for the report tests (they read the PDFs' text back), installing the
// `poppler-utils` package with apt-get when it is missing (apt-get update first; needs root, as on CI). Never
// downloads a build of its own.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const CANDIDATES = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'];

function found() {
  return CANDIDATES.find((file) => fs.existsSync(file));
}

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
 * The path of pdftotext, installing Debian's `poppler-utils` when it is not there.
 * @throws Error when it is missing and cannot be installed (not root, no apt-get)
 */
function ensurePdftotext({ log = (line) => console.error(line) } = {}) {
  const existing = process.env.PDFTOTEXT_PATH || found();
  if (existing) return existing;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'pdftotext is missing: install it with `sudo apt-get install poppler-utils` (or set PDFTOTEXT_PATH)',
    );
  }
  apt(['update'], log);
  apt(['install', '-y', '--no-install-recommends', 'poppler-utils'], log);
  const installed = found();
  if (!installed) throw new Error('apt-get installed poppler-utils, but no pdftotext executable was found');
  return installed;
}

module.exports = { ensurePdftotext };

if (require.main === module) {
  try {
    console.log(ensurePdftotext());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
