// Finds Chromium from Debian's packages for the browser tests, installing the `chromium` package (and a font) with
// apt-get when it is missing (scripts/lib/debian-tool.js). Never downloads a browser build of its own.
'use strict';

const { ensureDebianTool, runAsScript } = require('./debian-tool');

/**
 * The path of a Chromium executable (CHROMIUM_PATH, or Debian's), installing Debian's `chromium` when none is there.
 * @throws Error when it is missing and cannot be installed (not root, no apt-get)
 */
function ensureChromium({ log } = {}) {
  return ensureDebianTool({
    name: 'Chromium',
    envVar: 'CHROMIUM_PATH',
    candidates: ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
    packages: ['chromium', 'fonts-dejavu-core'],
    log,
  });
}

module.exports = { ensureChromium };

if (require.main === module) runAsScript(ensureChromium);
