// The API's mapping of Temporal failures: what it cannot map is 502 `upstream_error`, Temporal out of reach is 503,
// an Update past its deadline 504 `update_timeout`; never a 500. Pure: the errors are built, no servers.

import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure } from '@temporalio/common';
import { fromTemporalError, toApiError } from '../../src/api/api-error';

/** The answer the central error handler gives, whichever way fromTemporalError hands it on. */
function answerTo(error: unknown) {
  try {
    return toApiError(fromTemporalError(error, 'o-1'));
  } catch (thrown) {
    return toApiError(thrown);
  }
}

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code, details: message, metadata: {} });
}

describe('api errors', () => {
  it('temporal failure › an Update failure of a type not in the error table › 502 upstream_error', () => {
    const error = new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type: 'TypeError' }));
    expect(answerTo(error)).toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('temporal failure › the workflow terminated under the Update › 502 upstream_error', () => {
    const error = new WorkflowUpdateFailedError('update failed', new TerminatedFailure('history too large'));
    expect(answerTo(error)).toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('temporal failure › anything else unknown › 502, never 500', () => {
    expect(answerTo(new Error('something odd'))).toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('temporal failure › the server unreachable › 503 service_unavailable', () => {
    expect(answerTo(grpcError(14, 'connect ECONNREFUSED'))).toMatchObject({
      status: 503,
      code: 'service_unavailable',
    });
  });

  it('temporal failure › an Update past the API deadline › 504 update_timeout', () => {
    const error = new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: new Error('deadline') });
    const answer = answerTo(error);
    expect(answer).toMatchObject({ status: 504, code: 'update_timeout' });
    expect(answer.message).toContain('same Idempotency-Key');
  });

  it('temporal failure › an Update rejected by the error table › its status and code', () => {
    const rejection = ApplicationFailure.create({
      type: 'OrderStateConflict',
      message: 'too many',
      details: [{ code: 'payment_attempts_exhausted' }],
    });
    expect(answerTo(new WorkflowUpdateFailedError('rejected', rejection))).toMatchObject({
      status: 409,
      type: 'conflict_error',
      code: 'payment_attempts_exhausted',
    });
  });
});
