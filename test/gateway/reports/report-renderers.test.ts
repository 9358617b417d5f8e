// The report renderers without servers: a reader that goes away in the middle of a PDF ends the rendering with an
// error (and stops reading rows) instead of an unhandled rejection, which would end the API process.

import { Writable } from 'node:stream';
import type { ReportDocument, ReportRow } from '../../../src/gateway/reports/report-kinds';
import { writePdf } from '../../../src/gateway/reports/report-renderers';

function document(rows: AsyncIterable<ReportRow>): ReportDocument {
  return {
    kind: 'test',
    title: 'Test report',
    subtitle: [],
    fileStem: 'test',
    columns: [
      { key: 'name', header: 'Name', kind: 'text', width: 100 },
      { key: 'amount', header: 'Amount', kind: 'money', width: 80 },
    ],
    rows,
    totals: ['amount'],
  };
}

describe('report renderers', () => {
  test('PDF › the reader fails while rows still come › rejects, reads no further, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let read = 0;
    async function* rows(): AsyncGenerator<ReportRow> {
      for (let i = 0; i < 50; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        read += 1;
        yield { currency: 'EUR', values: { name: `row ${i}`, amount: 100 } };
      }
    }
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('reader went away'));
      },
    });

    try {
      await expect(writePdf(document(rows()), failing)).rejects.toThrow('reader went away');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }

    expect(unhandled).toEqual([]);
    expect(read).toBeLessThan(50);
  });
});
