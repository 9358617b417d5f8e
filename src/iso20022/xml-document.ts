// The XML plumbing under every ISO 20022 message: one fast-xml-parser configuration for building and one for
// parsing, namespace resolution, and a reader that walks elements with their paths for clear errors.
// Pure and synchronous; never resolves entities from a DOCTYPE (documents carrying one are refused).

import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { z } from 'zod';
import type { Money } from '../domain/money';
import { decimalToMinor, minorToDecimal } from './amounts';
import { Iso20022Error } from './errors';
import type { MessageName } from './messages';
import { MESSAGE_ROOT_ELEMENTS, messageForNamespace, messageNamespace } from './messages';

/** A node for the builder: element names map to text, nested nodes or arrays of them; `@_x` is attribute `x`. */
export type XmlNode = { [name: string]: XmlValue };
/** What an element can hold in a builder node (undefined elements are left out). */
export type XmlValue = string | XmlNode | readonly XmlNode[] | readonly string[] | undefined;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

/** Drops the undefined members of a builder node, so optional elements are simply absent. */
function compact(node: XmlNode): XmlNode {
  const out: XmlNode = {};
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      out[name] = value.map((item: XmlNode | string) => (typeof item === 'string' ? item : compact(item))) as XmlValue;
    } else if (typeof value === 'object') {
      out[name] = compact(value as XmlNode);
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Serializes a message body into a complete `Document` in the message's namespace, with an XML declaration. */
export function buildDocument(message: MessageName, body: XmlNode): string {
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: { '@_xmlns': messageNamespace(message), [MESSAGE_ROOT_ELEMENTS[message]]: compact(body) },
  };
  return builder.build(document) as string;
}

/** An amount element of ISO 20022: the currency attribute and the exact decimal text. */
export function amountNode(value: Money): XmlNode {
  return { '@_Ccy': value.currency, '#text': minorToDecimal(value.amount, value.currency) };
}

/** A parsed XML element with its namespace-free name, attributes, text and children by name. */
interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly text: string;
  readonly children: ReadonlyMap<string, readonly XmlElement[]>;
}

type RawNode = string | Record<string, unknown>;

/** Splits `p:Name` into its prefix and local name. */
function splitName(qualified: string): { prefix: string; local: string } {
  const colon = qualified.indexOf(':');
  return colon < 0
    ? { prefix: '', local: qualified }
    : { prefix: qualified.slice(0, colon), local: qualified.slice(colon + 1) };
}

/** Turns fast-xml-parser's output into XmlElements, checking every element is in the expected namespace. */
function toElement(
  qualified: string,
  raw: RawNode,
  scope: ReadonlyMap<string, string>,
  path: string,
  namespace: string | undefined,
): { element: XmlElement; namespace: string } {
  const fields: Record<string, unknown> = typeof raw === 'string' ? { '#text': raw } : raw;
  const inner = new Map(scope);
  const attributes = new Map<string, string>();
  for (const [key, value] of Object.entries(fields)) {
    if (!key.startsWith('@_')) continue;
    const attribute = key.slice(2);
    if (attribute === 'xmlns') inner.set('', String(value));
    else if (attribute.startsWith('xmlns:')) inner.set(attribute.slice(6), String(value));
    else if (!attribute.includes(':')) attributes.set(attribute, String(value));
  }
  const { prefix, local } = splitName(qualified);
  const elementNamespace = inner.get(prefix);
  if (elementNamespace === undefined) {
    if (prefix !== '') throw new Iso20022Error('malformed_xml', `${path}: undeclared namespace prefix`, path);
    throw new Iso20022Error('wrong_namespace', `${path}: element has no namespace`, path);
  }
  if (namespace !== undefined && elementNamespace !== namespace) {
    throw new Iso20022Error('wrong_namespace', `${path}: element in a foreign namespace ${elementNamespace}`, path);
  }
  const children = new Map<string, XmlElement[]>();
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('@_') || key === '#text') continue;
    const childLocal = splitName(key).local;
    // Supplementary data is an open envelope in any namespace; settleflow neither writes nor reads it.
    if (childLocal === 'SplmtryData') continue;
    const list = children.get(childLocal) ?? [];
    const items = Array.isArray(value) ? (value as RawNode[]) : [value as RawNode];
    for (const item of items) {
      list.push(toElement(key, item, inner, `${path}/${childLocal}`, namespace ?? elementNamespace).element);
    }
    children.set(childLocal, list);
  }
  const text = fields['#text'] === undefined ? '' : String(fields['#text']);
  return { element: { name: local, attributes, text, children }, namespace: elementNamespace };
}

/** A parsed document: the message it is (by namespace) and a reader on the message's element. */
export interface ParsedDocument {
  readonly message: MessageName;
  readonly body: ElementReader;
}

/**
 * Parses an ISO 20022 document and checks its envelope: well-formed, no DOCTYPE, root `Document` in the namespace of
 * `expected` (or of any known message when `expected` is undefined), holding the message's element.
 * @throws Iso20022Error `malformed_xml`, `wrong_namespace`, `unexpected_root`, `unsupported_message`
 */
export function parseDocument(xml: unknown, expected?: MessageName): ParsedDocument {
  if (typeof xml !== 'string' || xml.trim() === '') {
    throw new Iso20022Error('malformed_xml', 'an ISO 20022 document must be a non-empty XML string');
  }
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (/<!DOCTYPE/i.test(text)) {
    throw new Iso20022Error('malformed_xml', 'a DOCTYPE is not allowed in an ISO 20022 document');
  }
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    throw new Iso20022Error('malformed_xml', `not well-formed XML at line ${line}, column ${col}: ${msg}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Iso20022Error('malformed_xml', `not well-formed XML: ${(err as Error).message}`);
  }
  const roots = Object.keys(raw).filter((key) => !key.startsWith('?') && !key.startsWith('@_'));
  const rootName = roots[0];
  const rootItems = rootName === undefined ? [] : (raw[rootName] as RawNode[]);
  const rootRaw = rootItems[0];
  if (roots.length !== 1 || rootName === undefined || rootItems.length !== 1 || rootRaw === undefined) {
    throw new Iso20022Error('malformed_xml', 'an XML document has exactly one root element');
  }
  const { local } = splitName(rootName);
  if (local !== 'Document') {
    throw new Iso20022Error('unexpected_root', `the root element must be Document, not ${local}`, local);
  }
  const { element, namespace } = toElement(rootName, rootRaw, new Map(), 'Document', undefined);
  const message = messageForNamespace(namespace);
  if (expected !== undefined && namespace !== messageNamespace(expected)) {
    throw new Iso20022Error(
      'wrong_namespace',
      `expected a ${expected} document (namespace ${messageNamespace(expected)}), got namespace ${namespace}`,
      'Document',
    );
  }
  if (message === undefined) {
    throw new Iso20022Error('unsupported_message', `no ISO 20022 message of settleflow has namespace ${namespace}`);
  }
  const document = new ElementReader(element, 'Document');
  const bodyName = MESSAGE_ROOT_ELEMENTS[message];
  const names = [...element.children.keys()];
  if (names.length !== 1 || names[0] !== bodyName) {
    throw new Iso20022Error('unexpected_root', `Document must hold exactly one ${bodyName} element`, 'Document');
  }
  return { message, body: document.required(bodyName) };
}

/** Walks a parsed element; every failure names the element's path. */
export class ElementReader {
  constructor(
    private readonly element: XmlElement,
    /** The element's path from `Document`, for error messages. */
    readonly path: string,
  ) {}

  /** The element's child readers of a name, in document order (none when absent). */
  all(name: string): ElementReader[] {
    const list = this.element.children.get(name) ?? [];
    return list.map((child, index) => new ElementReader(child, `${this.path}/${name}[${index}]`));
  }

  /** The single child of a name, or undefined when absent. @throws Iso20022Error `invalid_value` when repeated */
  optional(name: string): ElementReader | undefined {
    const list = this.element.children.get(name) ?? [];
    if (list.length > 1) {
      throw new Iso20022Error('invalid_value', `${this.path}/${name} appears more than once`, `${this.path}/${name}`);
    }
    const child = list[0];
    return child === undefined ? undefined : new ElementReader(child, `${this.path}/${name}`);
  }

  /** The single child of a name. @throws Iso20022Error `missing_element` when absent */
  required(name: string): ElementReader {
    const child = this.optional(name);
    if (child === undefined) {
      throw new Iso20022Error('missing_element', `${this.path}/${name} is missing`, `${this.path}/${name}`);
    }
    return child;
  }

  /** The text of a leaf element. @throws Iso20022Error `invalid_value` when it holds elements instead */
  text(): string {
    if (this.element.children.size > 0) {
      throw new Iso20022Error('invalid_value', `${this.path} must hold text, not elements`, this.path);
    }
    return this.element.text;
  }

  /** The text of a mandatory child. */
  requiredText(name: string): string {
    return this.required(name).text();
  }

  /** The text of an optional child, or undefined. */
  optionalText(name: string): string | undefined {
    return this.optional(name)?.text();
  }

  /** The texts of a repeated child, in document order. */
  texts(name: string): string[] {
    return this.all(name).map((child) => child.text());
  }

  /** An amount element (`<X Ccy="EUR">10.50</X>`) as exact minor units. */
  amount(): Money {
    const currency = this.element.attributes.get('Ccy');
    if (currency === undefined || !/^[A-Z]{3}$/.test(currency)) {
      throw new Iso20022Error('invalid_value', `${this.path} needs a Ccy attribute with an ISO 4217 code`, this.path);
    }
    return { amount: decimalToMinor(this.text(), currency, this.path), currency };
  }

  /** A mandatory amount child. */
  requiredAmount(name: string): Money {
    return this.required(name).amount();
  }

  /** An optional amount child, or undefined. */
  optionalAmount(name: string): Money | undefined {
    return this.optional(name)?.amount();
  }
}

/**
 * Checks a builder's input against its message schema and returns the typed value.
 * @throws Iso20022Error `invalid_input` naming the first field at fault (never its value)
 */
export function checkInput<T>(schema: z.ZodType<T>, input: unknown, message: MessageName): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue?.path.map(String).join('.') ?? '';
    throw new Iso20022Error('invalid_input', `${message} input ${param || '(root)'}: ${issue?.message}`, param);
  }
  return result.data;
}

/**
 * Checks a value read from a document against the message schema, so parsers return only what builders accept.
 * @throws Iso20022Error `invalid_value` naming the field at fault (never its value)
 */
export function checkParsed<T>(schema: z.ZodType<T>, value: unknown, message: MessageName): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue?.path.map(String).join('.') ?? '';
    throw new Iso20022Error('invalid_value', `${message} ${param || '(root)'}: ${issue?.message}`, param);
  }
  return result.data;
}

/**
 * Checks a document's number of transactions (`NbOfTxs`) against the transactions it holds.
 * @throws Iso20022Error `inconsistent_totals`
 */
export function checkCount(text: string | undefined, count: number, param: string): void {
  if (text === undefined) return;
  if (!/^[0-9]{1,15}$/.test(text)) {
    throw new Iso20022Error('invalid_value', `${param} must be a number of transactions`, param);
  }
  if (Number(text) !== count) {
    throw new Iso20022Error('inconsistent_totals', `${param} says ${Number(text)}, the document holds ${count}`, param);
  }
}

/**
 * Checks a control sum or total amount (`CtrlSum`, `TtlIntrBkSttlmAmt`) against the sum of the transactions, exactly.
 * @throws Iso20022Error `inconsistent_totals` (or `invalid_value` when it is not a decimal of the currency)
 */
export function checkSum(text: string | undefined, sumMinor: number, currency: string, param: string): void {
  if (text === undefined) return;
  if (decimalToMinor(text, currency, param) !== sumMinor) {
    throw new Iso20022Error('inconsistent_totals', `${param} does not equal the sum of the transactions`, param);
  }
}

/**
 * Checks a declared total amount (`TtlIntrBkSttlmAmt`) against the sum of the transactions, currency included.
 * @throws Iso20022Error `inconsistent_totals`
 */
export function checkTotal(declared: Money | undefined, total: Money, param: string): void {
  if (declared === undefined) return;
  if (declared.currency !== total.currency || declared.amount !== total.amount) {
    throw new Iso20022Error('inconsistent_totals', `${param} does not equal the sum of the transactions`, param);
  }
}
