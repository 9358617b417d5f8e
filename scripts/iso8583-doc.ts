// `npm run docs:iso8583`: rewrites the generated tables of docs/iso8583.md from src/iso8583's data (fields, message
// types, response codes, currencies). `-- --check` only reports whether the document is current (exit 1 if not).

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withReference } from '../src/iso8583/reference-doc';

const file = path.join(__dirname, '..', 'docs', 'iso8583.md');
const current = readFileSync(file, 'utf8');
const next = withReference(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write('docs/iso8583.md is out of date: run `npm run docs:iso8583`\n');
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(file, next);
  process.stderr.write('docs/iso8583.md: tables regenerated\n');
}
