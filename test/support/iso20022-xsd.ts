// XSD validation of ISO 20022 documents for the tests: the official schemas in shared/iso20022/xsd (beside the
// repository: ../shared), checked with libxml2's xmllint compiled to WebAssembly (npm xmllint-wasm), so no system
// package is needed. Test support only: reads files, never used by src/.

import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import type { MessageName } from '../../src/iso20022';

const root = path.resolve(__dirname, '..', '..');

/**
 * Finds the directory of the ISO 20022 XSDs: `ISO20022_XSD_DIR` when set, else `../shared/iso20022/xsd` beside the
 * repository (as CI lays it out), else the nearest ancestor's `shared/iso20022/xsd` (a git worktree nested deeper).
 * @throws Error naming every place looked at, when none holds the schemas
 */
export function xsdDirectory(): string {
  const candidates = [
    ...(process.env.ISO20022_XSD_DIR ? [path.resolve(process.env.ISO20022_XSD_DIR)] : []),
    path.resolve(root, '..', 'shared', 'iso20022', 'xsd'),
  ];
  for (let dir = path.dirname(path.dirname(root)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'shared', 'iso20022', 'xsd'));
  }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'pacs.008.001.09.xsd')));
  if (found === undefined) {
    throw new Error(
      `ISO 20022 XSDs not found: looked in ${candidates.join(', ')}. ` +
        'Lay shared/ beside the repository (../shared/iso20022/xsd) or set ISO20022_XSD_DIR.',
    );
  }
  return found;
}

const schemas = new Map<MessageName, string>();

/** The XSD text of a message, read once per test file. */
function schemaText(message: MessageName): string {
  let text = schemas.get(message);
  if (text === undefined) {
    text = fs.readFileSync(path.join(xsdDirectory(), `${message}.xsd`), 'utf8');
    schemas.set(message, text);
  }
  return text;
}

/** The outcome of validating documents: the xmllint error lines (empty when every document is valid). */
export interface XsdValidation {
  readonly valid: boolean;
  readonly errors: readonly string[];
}

/** Validates documents of one message against its official XSD, in one xmllint run (named doc-0.xml, doc-1.xml...). */
export async function validateAgainstXsd(message: MessageName, documents: readonly string[]): Promise<XsdValidation> {
  const result = await validateXML({
    xml: documents.map((contents, index) => ({ fileName: `doc-${index}.xml`, contents })),
    schema: [{ fileName: `${message}.xsd`, contents: schemaText(message) }],
  });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
}
