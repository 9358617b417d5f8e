// Finds, or builds once with Go, the two server binaries that local development and the tests run:
// the Temporal CLI (its `server start-dev`) and FerretDB (a MongoDB-compatible server on SQLite).
// Plain CommonJS with no dependencies: it runs before `npm ci`. It never downloads prebuilt binaries.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TEMPORAL_VERSION = '1.5.1';
const FERRETDB_VERSION = '1.24.2';
/** Names the patch applied to FerretDB's source before building (see patchSqliteIdLookups). */
const FERRETDB_PATCH = 'sqlite-id-index-pushdown';
const BUILD_LOCK_TIMEOUT_MS = 45 * 60 * 1000;

/** The directory that holds `<tool>-<version>/<binary>` builds, shared by every clone on this machine. */
function cacheRoot() {
  if (process.env.SETTLEFLOW_CACHE_DIR) return path.resolve(process.env.SETTLEFLOW_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'settleflow');
}

/** Runs a binary synchronously and returns its combined output, or null if it could not run or failed. */
function tryRun(file, args, timeoutMs = 20000) {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0) return null;
  return `${result.stdout}${result.stderr}`;
}

/** Looks a command up on PATH the way a shell would; returns its absolute path or null. */
function whichSync(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/**
 * A Temporal CLI is usable if it runs and its dev server takes the flags that services.js passes
 * (builds from `go install` report version 0.0.0-DEV, so the flags are the reliable test).
 */
function isUsableTemporal(file) {
  const help = tryRun(file, ['server', 'start-dev', '--help']);
  return help !== null && help.includes('--search-attribute') && help.includes('--db-filename');
}

/** FerretDB 1.x has the SQLite handler we need; 2.x dropped it for PostgreSQL with DocumentDB. */
function isUsableFerretdb(file) {
  const version = tryRun(file, ['--version']);
  return version !== null && /version: v1\./.test(version);
}

const TOOLS = {
  temporal: {
    label: `Temporal CLI v${TEMPORAL_VERSION}`,
    version: TEMPORAL_VERSION,
    binary: 'temporal',
    envVar: 'TEMPORAL_BIN',
    isUsable: isUsableTemporal,
    async build({ workDir, outFile, goEnv, run }) {
      // go install with GOBIN puts the binary in workDir; the version is stamped as the release does.
      await run(
        'go',
        [
          'install',
          '-trimpath',
          `-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_VERSION}`,
          `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_VERSION}`,
        ],
        { cwd: workDir, env: { ...goEnv, GOBIN: workDir } },
      );
      fs.renameSync(path.join(workDir, 'temporal'), outFile);
    },
  },
  ferretdb: {
    label: `FerretDB v${FERRETDB_VERSION} (with settleflow's _id index and pushdown fixes)`,
    // The cache key names the patch, so a binary built without it is never reused.
    version: `${FERRETDB_VERSION}-${FERRETDB_PATCH}`,
    binary: 'ferretdb',
    envVar: 'FERRETDB_BIN',
    isUsable: isUsableFerretdb,
    async build({ workDir, outFile, goEnv, run }) {
      // `go install ...@v1.24.2` yields a binary that panics on start (its embedded version.txt is empty
      // in the module zip), so build from a writable copy of the module source with the file filled in.
      const modulePath = `github.com/FerretDB/FerretDB@v${FERRETDB_VERSION}`;
      const downloaded = await run('go', ['mod', 'download', '-json', modulePath], { cwd: workDir, env: goEnv });
      const moduleDir = JSON.parse(downloaded).Dir;
      if (!moduleDir || !fs.existsSync(moduleDir)) throw new Error(`go mod download did not produce ${modulePath}`);
      const srcDir = path.join(workDir, 'src');
      fs.cpSync(moduleDir, srcDir, { recursive: true });
      chmodWritable(srcDir);
      fs.writeFileSync(path.join(srcDir, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);
      patchSqliteIdLookups(srcDir);
      patchSqliteIdPushdown(srcDir);
      await run('go', ['build', '-trimpath', '-o', outFile, './cmd/ferretdb'], { cwd: srcDir, env: goEnv });
    },
  },
};

/**
 * FerretDB 1.24's SQLite backend creates its unique `_id` index on the expression `_ferretdb_sjson->"_id"` but
 * looks documents up with `_ferretdb_sjson->'$._id'`. SQLite only uses an expression index for the same expression,
 * so every find, update and delete by `_id` scans the whole table (SQLite's EXPLAIN QUERY PLAN shows `SCAN`), and
 * each costs time in proportion to the collection's size. This one-line patch makes the lookups use the index
 * expression (`SEARCH ... USING INDEX`); the stored data and the index are unchanged. See bench/README.md.
 */
function patchSqliteIdLookups(srcDir) {
  const file = path.join(srcDir, 'internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
  const before = `IDColumn = DefaultColumn + "->'$._id'"`;
  const after = 'IDColumn = DefaultColumn + `->"_id"`';
  const source = fs.readFileSync(file, 'utf8');
  if (!source.includes(before)) throw new Error(`FerretDB source changed: ${before} not found in ${file}`);
  fs.writeFileSync(file, source.replace(before, after));
}

/**
 * FerretDB 1.24's SQLite backend narrows a query in SQL only when the filter is `{_id: <string or ObjectID>}` and
 * nothing else: `{_id, state, lockToken}` (a conditional update), `{_id: {$in: [...]}}` (a batched delete) and every
 * other filter naming an `_id` read and decode the whole table in Go, at a cost that grows with the collection. Its
 * handlers always apply the whole filter again to what the backend returns, so the backend may narrow by any part
 * of it. This patch narrows by a top-level `_id` equality (whatever else the filter holds) or an `_id` `$in` of up to
 * 1,000 strings or ObjectIDs, with the `_id` index; `explain` reports `filterPushdown` when the filter names `_id` alone.
 */
function patchSqliteIdPushdown(srcDir) {
  const file = path.join(srcDir, 'internal', 'backends', 'sqlite', 'collection.go');
  let source = fs.readFileSync(file, 'utf8');
  const query = [
    '\tif params.Filter.Len() == 1 {',
    '\t\tv, _ := params.Filter.Get("_id")',
    '\t\tswitch v.(type) {',
    '\t\tcase string, types.ObjectID:',
    '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)',
    '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}',
    '\t\t}',
    '\t}',
  ].join('\n');
  const explain = [
    '\tif params.Filter.Len() == 1 {',
    '\t\tv, _ := params.Filter.Get("_id")',
    '\t\tswitch v.(type) {',
    '\t\tcase string, types.ObjectID:',
    '\t\t\tfilterPushdown = true',
    '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)',
    '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}',
    '\t\t}',
    '\t}',
  ].join('\n');
  for (const block of [query, explain]) {
    if (!source.includes(block))
      throw new Error(`FerretDB source changed: the _id pushdown block not found in ${file}`);
  }
  source = source.replace(query, '\twhereClause, args, _ = settleflowIDWhere(params.Filter)');
  source = source.replace(
    explain,
    '\twhereClause, args, filterPushdown = settleflowIDWhere(params.Filter)\n' +
      '\tfilterPushdown = filterPushdown && params.Filter.Len() == 1',
  );
  source += `
// settleflowIDWhere narrows a query by the filter's top-level _id: an equality, or an $in of strings or ObjectIDs
// (settleflow's patch; the handler applies the whole filter to what comes back).
func settleflowIDWhere(filter *types.Document) (string, []any, bool) {
\tif filter == nil {
\t\treturn "", nil, false
\t}
\tv, err := filter.Get("_id")
\tif err != nil {
\t\treturn "", nil, false
\t}
\tswitch v := v.(type) {
\tcase string, types.ObjectID:
\t\treturn fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}, true
\tcase *types.Document:
\t\tif v.Len() != 1 {
\t\t\treturn "", nil, false
\t\t}
\t\tin, err := v.Get("$in")
\t\tif err != nil {
\t\t\treturn "", nil, false
\t\t}
\t\tlist, ok := in.(*types.Array)
\t\tif !ok || list.Len() == 0 || list.Len() > 1000 {
\t\t\treturn "", nil, false
\t\t}
\t\targs := make([]any, 0, list.Len())
\t\tfor i := 0; i < list.Len(); i++ {
\t\t\te := must.NotFail(list.Get(i))
\t\t\tswitch e.(type) {
\t\t\tcase string, types.ObjectID:
\t\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(e))))
\t\t\tdefault:
\t\t\t\treturn "", nil, false
\t\t\t}
\t\t}
\t\tplaces := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
\t\treturn fmt.Sprintf(\` WHERE %s IN (%s)\`, metadata.IDColumn, places), args, true
\t}
\treturn "", nil, false
}
`;
  fs.writeFileSync(file, source);
}

/** The module cache is read-only; the copy must be writable to edit version.txt and to delete it later. */
function chmodWritable(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodWritable(full);
    else if (entry.isFile()) fs.chmodSync(full, 0o644);
  }
}

/** Spawns a build command, appending its output to a log file; resolves with its stdout. */
function runLogged(logFile) {
  return (file, args, { cwd, env }) =>
    new Promise((resolve, reject) => {
      fs.appendFileSync(logFile, `$ ${file} ${args.join(' ')}\n`);
      const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        fs.appendFileSync(logFile, chunk);
      });
      child.stderr.on('data', (chunk) => fs.appendFileSync(logFile, chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(new Error(`${file} ${args.join(' ')} exited with code ${code}`));
      });
    });
}

function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file, so two concurrent callers (say `npm start` and `npm test`) never build
 * the same tool twice. A lock left by a dead process is taken over. Resolves with a release function.
 */
async function acquireLock(lockFile, { onWait }) {
  const deadline = Date.now() + BUILD_LOCK_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(fs.readFileSync(lockFile, 'utf8').trim(), 10);
    if (!Number.isFinite(holder) || !isProcessAlive(holder)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the build lock ${lockFile} (held by pid ${holder})`);
    if (!announced) {
      onWait(holder);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function noBinaryError(tool, reason) {
  return new Error(
    [
      `Cannot provide ${tool.label}: ${reason}`,
      'Alternatives:',
      `  - install it yourself and set ${tool.envVar}=/path/to/${tool.binary} (or put \`${tool.binary}\` on PATH);`,
      '  - install Go (>= 1.25) so this script can build it once into ' + cacheRoot() + ';',
      '  - or run the servers with `docker compose up temporal mongo` and set',
      '    TEMPORAL_ADDRESS=127.0.0.1:7233 and MONGODB_URI=mongodb://127.0.0.1:27017/settleflow.',
    ].join('\n'),
  );
}

/** Builds one tool with Go into the cache, under a lock, via a temporary path renamed into place. */
async function buildIntoCache(tool, cachedFile, log) {
  if (!whichSync('go')) throw noBinaryError(tool, 'it is not installed, not on PATH, and Go is not available.');
  const root = cacheRoot();
  fs.mkdirSync(path.dirname(cachedFile), { recursive: true });
  const release = await acquireLock(path.join(root, `${tool.binary}-${tool.version}.lock`), {
    onWait: (pid) => log(`waiting for another process (pid ${pid}) that is building ${tool.label}...`),
  });
  const workDir = fs.mkdtempSync(path.join(root, `.build-${tool.binary}-`));
  const logFile = path.join(root, `${tool.binary}-${tool.version}.build.log`);
  try {
    // Someone else may have finished the build while we waited for the lock.
    if (fs.existsSync(cachedFile) && tool.isUsable(cachedFile)) return;
    fs.writeFileSync(logFile, '');
    log(`building ${tool.label} with Go (one time, ~1-10 min; log: ${logFile})...`);
    const started = Date.now();
    const tmpOut = path.join(workDir, `${tool.binary}.out`);
    const goEnv = { ...process.env, GOFLAGS: `${process.env.GOFLAGS || ''} -buildvcs=false`.trim() };
    try {
      await tool.build({ workDir, outFile: tmpOut, goEnv, run: runLogged(logFile) });
    } catch (err) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw noBinaryError(tool, `the Go build failed (${err.message}). Last lines of ${logFile}:\n${tail}\n`);
    }
    fs.chmodSync(tmpOut, 0o755);
    if (!tool.isUsable(tmpOut)) throw noBinaryError(tool, `the freshly built binary does not run (see ${logFile}).`);
    fs.renameSync(tmpOut, cachedFile); // same filesystem: atomic
    log(`built ${tool.label} in ${Math.round((Date.now() - started) / 1000)} s: ${cachedFile}`);
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    release();
  }
}

/** Resolves one tool: env var, then PATH, then the cache, then a Go build into the cache. */
async function resolveTool(tool, log) {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!tool.isUsable(fromEnv))
      throw noBinaryError(tool, `${tool.envVar}=${fromEnv} does not run or is not suitable.`);
    return path.resolve(fromEnv);
  }
  const onPath = whichSync(tool.binary);
  if (onPath && tool.isUsable(onPath)) return onPath;
  const cachedFile = path.join(cacheRoot(), `${tool.binary}-${tool.version}`, tool.binary);
  if (fs.existsSync(cachedFile) && tool.isUsable(cachedFile)) return cachedFile;
  await buildIntoCache(tool, cachedFile, log);
  return cachedFile;
}

/**
 * Returns absolute paths of a usable Temporal CLI and FerretDB, building them with Go on first use.
 * Throws an Error that names the alternatives when neither a binary nor Go is available.
 */
async function provision({ log = (line) => console.error(line) } = {}) {
  // One after the other: two Go builds side by side on a 2-core machine are slower than in sequence.
  const temporalBin = await resolveTool(TOOLS.temporal, log);
  const ferretdbBin = await resolveTool(TOOLS.ferretdb, log);
  return { temporalBin, ferretdbBin };
}

module.exports = {
  provision,
  resolveTool,
  tryRun,
  whichSync,
  cacheRoot,
  patchSqliteIdPushdown,
  TEMPORAL_VERSION,
  FERRETDB_VERSION,
};
