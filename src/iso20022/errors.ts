// The one error class of the ISO 20022 message layer: every builder and parser failure is an Iso20022Error with a
// stable `code`. Messages name the element or input field at fault, never its value (account numbers stay out of logs).

/** Stable machine-readable reasons an ISO 20022 document or builder input was refused. */
export type Iso20022ErrorCode =
  /** The builder's input does not satisfy the message's zod schema. */
  | 'invalid_input'
  /** The text is not a well-formed XML document (or carries a DOCTYPE, which ISO 20022 never uses). */
  | 'malformed_xml'
  /** The document's namespace is not the one of the expected message (or an element sits in a foreign namespace). */
  | 'wrong_namespace'
  /** The root is not `Document`, or `Document` does not hold the message's element. */
  | 'unexpected_root'
  /** The namespace names an ISO 20022 message this layer does not read. */
  | 'unsupported_message'
  /** A mandatory element is absent. */
  | 'missing_element'
  /** An element or attribute holds a value its type does not allow (bad amount, IBAN checksum, status code...). */
  | 'invalid_value'
  /** Control figures (number of transactions, control sum, total amount) disagree with the transactions. */
  | 'inconsistent_totals';

/** A refused ISO 20022 document or builder input; `param` names the XML path or input field at fault. */
export class Iso20022Error extends Error {
  /** Stable code callers branch on. */
  readonly code: Iso20022ErrorCode;
  /** The XML element path (`FIToFIPmtStsRpt/TxInfAndSts[0]/TxSts`) or input field (`transactions.0.amount`). */
  readonly param: string | undefined;

  constructor(code: Iso20022ErrorCode, message: string, param?: string) {
    super(message);
    this.name = 'Iso20022Error';
    this.code = code;
    this.param = param;
  }
}
