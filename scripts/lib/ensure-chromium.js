// Finds Chromium from Debian's packages for the browser tests, installing the `chromium` package with apt-get when it
// is missing (apt-get update first; needs root, as on CI). Never downloads a browser build of its own.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

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
 * The path of a Chromium executable, installing Debian's `chromium` (and a font) when none is there.
 * @throws Error when it is missing and cannot be installed (not root, no apt-get)
 */
function ensureChromium({ log = (line) => console.error(line) } = {}) {
  const existing = process.env.CHROMIUM_PATH || found();
  if (existing) return existing;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('Chromium is missing: install it with `sudo apt-get install chromium` (or set CHROMIUM_PATH)');
  }
  apt(['update'], log);
  apt(['install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], log);
  const installed = found();
  if (!installed) throw new Error('apt-get installed chromium, but no chromium executable was found');
  return installed;
}

module.exports = { ensureChromium };

if (require.main === module) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
