import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIELD_SPECS, ISO8583_ERROR_CODES, MESSAGE_TYPES, RESPONSE_CODES, formatNotation } from '../../src/iso8583';
import { renderIso8583Reference, withReference } from '../../src/iso8583/reference-doc';

const document = readFileSync(path.join(__dirname, '..', '..', 'docs', 'iso8583.md'), 'utf8');

describe('docs/iso8583.md', () => {
  it('holds the tables generated from the current specs (run `npm run docs:iso8583` when this fails)', () => {
    expect(withReference(document)).toBe(document);
  });

  it.each(FIELD_SPECS.map((spec) => [spec.number, spec] as const))('lists field %d with its format', (number, spec) => {
    expect(renderIso8583Reference()).toContain(`| ${number} | ${spec.name} | ${formatNotation(spec)} |`);
  });

  it('lists every message type, response code and error code', () => {
    for (const type of MESSAGE_TYPES) expect(document).toContain(`| ${type.mti} | ${type.name} |`);
    for (const code of RESPONSE_CODES) expect(document).toContain(`| \`${code.code}\` | ${code.meaning} |`);
    for (const code of ISO8583_ERROR_CODES) expect(document).toContain(`\`${code}\``);
  });
});
