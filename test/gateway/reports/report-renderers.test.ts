// The report renderers without servers: a reader that goes away in the middle of a PDF ends the rendering with an
// error (and stops reading rows) instead of an unhandled rejection, which would end the API process; a document that
// totals a column's groups apart gets a TOTAL row per group and currency (in the document's order), then per currency,
// a row-counting column blank on rows and counted in totals, amounts in each currency's decimals.

import { Writable } from 'node:stream';
import type { ReportDocument, ReportRow } from '../../../src/gateway/reports/report-kinds';
import { writeCsv, writePdf } from '../../../src/gateway/reports/report-renderers';

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

  test('CSV › totals by class and currency › a TOTAL row per class in the given order, then per currency, rows counted', async () => {
    async function* rows(): AsyncGenerator<ReportRow> {
      yield { currency: 'KWD', values: { key: 'a', class: 'TIMING', amount: 1_250 } };
      yield { currency: 'JPY', values: { key: 'b', class: 'MATCHED', amount: 1_200 } };
      yield { currency: 'KWD', values: { key: 'c', class: 'MATCHED', amount: -5 } };
      yield { currency: 'KWD', values: { key: 'd', class: 'TIMING', amount: 10 } };
    }
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });

    await writeCsv(
      {
        ...document(rows()),
        columns: [
          { key: 'key', header: 'Item', kind: 'text', width: 60 },
          { key: 'class', header: 'Class', kind: 'text', width: 60 },
          { key: 'currency', header: 'Currency', kind: 'text', width: 40 },
          { key: 'items', header: 'Items', kind: 'count', width: 30, countsRows: true },
          { key: 'amount', header: 'Amount', kind: 'money', width: 80 },
        ],
        totals: ['items', 'amount'],
        groupTotalsBy: { key: 'class', order: ['MATCHED', 'TIMING'] },
      },
      out,
    );

    expect(Buffer.concat(chunks).toString('utf8').trim().split('\n')).toEqual([
      'Item,Class,Currency,Items,Amount',
      'a,TIMING,,,1.250',
      'b,MATCHED,,,1200',
      'c,MATCHED,,,-0.005',
      'd,TIMING,,,0.010',
      'TOTAL,MATCHED,JPY,1,1200',
      'TOTAL,MATCHED,KWD,1,-0.005',
      'TOTAL,TIMING,KWD,2,1.260',
      'TOTAL,,JPY,1,1200',
      'TOTAL,,KWD,3,1.255',
    ]);
  });
});
