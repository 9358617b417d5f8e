// Finds, or builds once with Go, the real Temporal server (v1.29.1) and its SQL schema tool, for the cluster
// (`npm run cluster`, `npm run test:cluster`). Same cache, lock and progress output as provision.js.
// Plain CommonJS with no dependencies. It never downloads prebuilt binaries: both are built from the Go module proxy.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { resolveTool, tryRun } = require('./provision');

const TEMPORAL_SERVER_VERSION = '1.29.1';

/** The server reports its version on `--version` (`temporal version 1.29.1`). */
function isUsableServer(file) {
  const out = tryRun(file, ['--version']);
  return out !== null && out.includes(TEMPORAL_SERVER_VERSION);
}

/** The sql tool's help lists the commands the cluster uses (the schema itself is embedded in the binary). */
function isUsableSqlTool(file) {
  const out = tryRun(file, ['--help']);
  return out !== null && out.includes('setup-schema') && out.includes('update-schema') && out.includes('create');
}

/**
 * Builds one `go.temporal.io/server` command with `go install` at low priority (`nice -n 19`): the machine's cores
 * are shared, and the server is the largest Go build the project makes (~5-20 min the first time).
 */
function goInstall(pkg, builtName) {
  return async ({ workDir, outFile, goEnv, run }) => {
    const nice = fs.existsSync('/usr/bin/nice') ? ['nice', ['-n', '19', 'go']] : ['go', []];
    await run(
      nice[0],
      [
        ...nice[1],
        'install',
        '-trimpath',
        '-ldflags=-s -w',
        `go.temporal.io/server/${pkg}@v${TEMPORAL_SERVER_VERSION}`,
      ],
      { cwd: workDir, env: { ...goEnv, GOBIN: workDir } },
    );
    fs.renameSync(path.join(workDir, builtName), outFile);
  };
}

const SERVER_TOOLS = {
  server: {
    label: `Temporal server v${TEMPORAL_SERVER_VERSION}`,
    version: TEMPORAL_SERVER_VERSION,
    binary: 'temporal-server',
    envVar: 'TEMPORAL_SERVER_BIN',
    isUsable: isUsableServer,
    build: goInstall('cmd/server', 'server'),
  },
  sqlTool: {
    label: `Temporal SQL tool v${TEMPORAL_SERVER_VERSION}`,
    version: TEMPORAL_SERVER_VERSION,
    binary: 'temporal-sql-tool',
    envVar: 'TEMPORAL_SQL_TOOL_BIN',
    isUsable: isUsableSqlTool,
    build: goInstall('cmd/tools/sql', 'sql'),
  },
};

/**
 * Returns absolute paths of the Temporal server and its SQL tool, building them with Go on first use
 * (one after the other, into ~/.cache/settleflow/<binary>-1.29.1/).
 */
async function provisionTemporalServer({ log = (line) => console.error(line) } = {}) {
  const serverBin = await resolveTool(SERVER_TOOLS.server, log);
  const sqlToolBin = await resolveTool(SERVER_TOOLS.sqlTool, log);
  return { serverBin, sqlToolBin };
}

module.exports = { provisionTemporalServer, TEMPORAL_SERVER_VERSION };

if (require.main === module) {
  const started = Date.now();
  provisionTemporalServer().then(
    (bins) => {
      console.log(JSON.stringify({ ...bins, seconds: Math.round((Date.now() - started) / 1000) }));
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
