// The reports' indexes on `gateway_payments` (issue 9 F), on the real database: created at start-up, and a second
// start on the same database (every restart) still connects. FerretDB 1.24 dropped the connection on a createIndexes
// of several indexes that all existed already, so the second start failed before they were created one by one.

import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../src/persistence/database';
import { PAYMENT_REPORT_INDEXES } from '../../../src/gateway/reports/report-indexes';
import { uniqueDatabaseUri } from '../../support/workflow-env';

describe('report indexes', () => {
  test('report indexes › a second start on the same database › connects, with each index once', async () => {
    const uri = uniqueDatabaseUri(process.env.MONGODB_URI!, 'settleflow_indexes');
    const first = await connectDatabase(uri);
    await first.close();

    const second = await connectDatabase(uri);
    try {
      const indexes = await (second.connection as Connection).collection('gateway_payments').indexes();
      const names = indexes.map((index) => index.name);
      expect(names).toEqual(expect.arrayContaining(PAYMENT_REPORT_INDEXES.map((index) => index.name)));
      expect(indexes.find((index) => index.name === 'reports_seller_createdAt')?.key).toEqual({
        sellerId: 1,
        createdAt: -1,
        _id: -1,
      });
    } finally {
      await second.connection.dropDatabase();
      await second.close();
    }
  });
});
