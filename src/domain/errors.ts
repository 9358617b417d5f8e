// Domain errors: expected, operational failures with a stable machine-readable code.
// The API maps them to HTTP answers; workflows turn them into rejected Updates.

/** A rule of the business was broken by the input; retrying the same input cannot succeed. */
export class DomainError extends Error {
  /** Stable snake_case code clients can branch on (e.g. `currency_mismatch`). */
  readonly code: string;
  /** The input field at fault, in dot notation, when one is. */
  readonly param: string | undefined;

  constructor(code: string, message: string, param?: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.param = param;
  }
}
