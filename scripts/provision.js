#!/usr/bin/env node
// `npm run provision`: finds or builds (once, with Go) the Temporal CLI and FerretDB, and prints their paths.
'use strict';

const { provision } = require('./lib/provision');

provision({ log: (line) => console.error(line) }).then(
  ({ temporalBin, ferretdbBin }) => {
    console.log(`TEMPORAL_BIN=${temporalBin}`);
    console.log(`FERRETDB_BIN=${ferretdbBin}`);
  },
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
