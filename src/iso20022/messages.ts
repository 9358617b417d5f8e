// The catalogue of ISO 20022 messages settleflow builds and reads: name with version, XML namespace and the
// element that `Document` holds. Pure data; the versions are those of the schemas in shared/iso20022/xsd.

/** The ISO 20022 messages (with their versions) this layer builds and parses. */
export const MESSAGE_NAMES = [
  'pacs.002.001.11',
  'pacs.003.001.08',
  'pacs.004.001.10',
  'pacs.008.001.09',
  'pain.008.001.09',
  'camt.053.001.08',
  'camt.054.001.08',
] as const;

/** One of the ISO 20022 messages this layer builds and parses, named with its version. */
export type MessageName = (typeof MESSAGE_NAMES)[number];

/** The element `Document` holds for each message. */
export const MESSAGE_ROOT_ELEMENTS: Readonly<Record<MessageName, string>> = {
  'pacs.002.001.11': 'FIToFIPmtStsRpt',
  'pacs.003.001.08': 'FIToFICstmrDrctDbt',
  'pacs.004.001.10': 'PmtRtr',
  'pacs.008.001.09': 'FIToFICstmrCdtTrf',
  'pain.008.001.09': 'CstmrDrctDbtInitn',
  'camt.053.001.08': 'BkToCstmrStmt',
  'camt.054.001.08': 'BkToCstmrDbtCdtNtfctn',
};

/** The XML namespace of a message (`urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09`). */
export function messageNamespace(message: MessageName): string {
  return `urn:iso:std:iso:20022:tech:xsd:${message}`;
}

/** The message a namespace belongs to, or undefined when this layer does not read it. */
export function messageForNamespace(namespace: string): MessageName | undefined {
  return MESSAGE_NAMES.find((message) => messageNamespace(message) === namespace);
}
