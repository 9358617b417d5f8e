// The API's answer when its own deadline (API_UPDATE_TIMEOUT_MS) runs out while it waits on Temporal, e.g. for a
// wallet top-up's result with no gateway worker polling: a documented 504 `update_timeout`, never a 502 or a 500.

import { ServiceError } from '@temporalio/client';
import { fromTemporalError } from '../../src/api/api-error';

describe('api errors › deadline', () => {
  test('fromTemporalError › a ServiceError caused by gRPC DEADLINE_EXCEEDED › 504 update_timeout', () => {
    const grpc = Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4, details: '' });
    const mapped = fromTemporalError(new ServiceError('Failed to get workflow result', { cause: grpc }), 'wal_1');
    expect([mapped.status, mapped.code]).toEqual([504, 'update_timeout']);
  });

  test('fromTemporalError › an unrelated failure › still 502 upstream_error', () => {
    const mapped = fromTemporalError(new Error('something else'), 'wal_1');
    expect([mapped.status, mapped.code]).toEqual([502, 'upstream_error']);
  });
});
