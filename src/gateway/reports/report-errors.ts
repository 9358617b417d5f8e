// Why a report cannot be made, in the reports' own terms (the API maps them to its answers: 404, 422). Must never carry
// what the caller may not see: a "not found" is the same for a missing record and one of another party.

/** The report's subject does not exist, or is not the caller's (the same answer, so ids do not leak). */
export class ReportNotFoundError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters are well formed but cannot be answered as given (e.g. a batch of several sellers, none named). */
export class ReportParameterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}
