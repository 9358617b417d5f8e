// Finds pdftotext from Debian's poppler-utils for the report tests (they read the PDFs' text back), installing the
// package with apt-get when it is missing (scripts/lib/debian-tool.js). Never downloads a build of its own.
'use strict';

const { ensureDebianTool, runAsScript } = require('./debian-tool');

/**
 * The path of pdftotext (PDFTOTEXT_PATH, or Debian's), installing Debian's `poppler-utils` when it is not there.
 * @throws Error when it is missing and cannot be installed (not root, no apt-get)
 */
function ensurePdftotext({ log } = {}) {
  return ensureDebianTool({
    name: 'pdftotext',
    envVar: 'PDFTOTEXT_PATH',
    candidates: ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'],
    packages: ['poppler-utils'],
    log,
  });
}

module.exports = { ensurePdftotext };

if (require.main === module) runAsScript(ensurePdftotext);
