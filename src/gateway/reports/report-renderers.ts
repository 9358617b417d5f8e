// Prints any ReportDocument (report-kinds.ts) as CSV (csv-stringify) or PDF (pdfkit), streaming: rows are written as
// they come from the database and totals per currency are kept as they pass, so memory does not grow with the report.
// Amounts are integer minor units formatted with their currency's ISO 4217 decimals (JPY 0, EUR 2, KWD 3), by integer
// arithmetic only. Must never buffer a whole report, and never print a money amount through floating point.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import PDFDocument from 'pdfkit';
import { minorDigits } from '../../domain/money';
import type { ReportColumn, ReportDocument, ReportRow } from './report-kinds';

/** The formats a report downloads as. */
export type ReportFormat = 'csv' | 'pdf';

/** The Content-Type of each format. */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

/** An amount of minor units as a decimal with the currency's digits (`-1250` KWD is `-1.250`, `1200` JPY `1200`). */
export function formatMinor(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = String(Math.abs(amountMinor));
  if (digits === 0) return `${sign}${absolute}`;
  const padded = absolute.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

function formatValue(column: ReportColumn, row: ReportRow): string {
  const value = row.values[column.key];
  if (value === null || value === undefined) return '';
  switch (column.kind) {
    case 'money':
      return formatMinor(Number(value), row.currency);
    case 'rate':
      return `${(Math.round(Number(value) * 10_000) / 100).toFixed(2)}%`;
    default:
      return String(value);
  }
}

/** Totals of a document's totalled columns per currency (and per group and currency when it totals groups apart). */
export class ReportTotals {
  readonly byCurrency = new Map<string, Map<string, number>>();
  /** Per `<group value>\u0000<currency>`, when the document totals a column's groups apart. */
  readonly byGroup = new Map<string, Map<string, number>>();
  private readonly keys: readonly string[];
  private readonly countsRows: ReadonlySet<string>;
  private readonly groupBy: ReportDocument['groupTotalsBy'];

  constructor(document: Pick<ReportDocument, 'totals' | 'columns' | 'groupTotalsBy'>) {
    this.keys = document.totals;
    this.countsRows = new Set(document.columns.filter((column) => column.countsRows).map((column) => column.key));
    this.groupBy = document.groupTotalsBy;
  }

  add(row: ReportRow): void {
    this.addTo(this.byCurrency, row.currency, row);
    if (this.groupBy !== undefined) {
      this.addTo(this.byGroup, `${String(row.values[this.groupBy.key] ?? '')}\u0000${row.currency}`, row);
    }
  }

  private addTo(map: Map<string, Map<string, number>>, id: string, row: ReportRow): void {
    let totals = map.get(id);
    if (totals === undefined) {
      totals = new Map(this.keys.map((key) => [key, 0]));
      map.set(id, totals);
    }
    for (const key of this.keys) {
      const value = this.countsRows.has(key) ? 1 : row.values[key];
      if (typeof value === 'number') totals.set(key, totals.get(key)! + value);
    }
  }

  /** The currencies, alphabetically. */
  currencies(): string[] {
    return [...this.byCurrency.keys()].sort();
  }

  /** The groups' totals: group values in the document's order (then alphabetically), currencies alphabetically. */
  groups(): { group: string; currency: string; sums: Map<string, number> }[] {
    const order = this.groupBy?.order ?? [];
    const rank = (group: string) => (order.includes(group) ? order.indexOf(group) : order.length);
    return [...this.byGroup.entries()]
      .map(([id, sums]) => {
        const [group, currency] = id.split('\u0000') as [string, string];
        return { group, currency, sums };
      })
      .sort(
        (a, b) =>
          rank(a.group) - rank(b.group) ||
          (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) ||
          (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0),
      );
  }
}

/** Writes the document as CSV to `out`: a header, its rows, a `TOTAL` row per group and currency, then per currency. */
export async function writeCsv(document: ReportDocument, out: Writable): Promise<void> {
  const totals = new ReportTotals(document);
  const columns = document.columns;
  const header = [...columns.map((column) => column.header), ...(document.noteHeader ? [document.noteHeader] : [])];
  const totalRow = (currency: string, sums: Map<string, number>, group?: string): string[] => {
    const row: ReportRow = { currency, values: Object.fromEntries(sums) };
    return [
      ...columns.map((column, index) =>
        index === 0
          ? 'TOTAL'
          : column.key === 'currency'
            ? currency
            : group !== undefined && column.key === document.groupTotalsBy?.key
              ? group
              : sums.has(column.key)
                ? formatValue(column, row)
                : '',
      ),
      ...(document.noteHeader ? [''] : []),
    ];
  };
  async function* records(): AsyncGenerator<string[]> {
    yield header;
    for await (const row of document.rows) {
      totals.add(row);
      const cells = columns.map((column) => formatValue(column, row));
      yield document.noteHeader ? [...cells, row.note ?? ''] : cells;
    }
    for (const { group, currency, sums } of totals.groups()) yield totalRow(currency, sums, group);
    for (const currency of totals.currencies()) yield totalRow(currency, totals.byCurrency.get(currency)!);
  }
  await pipeline(records(), stringify(), out);
}

const PAGE = { size: 'A4', layout: 'landscape', margin: 36 } as const;
const FONT_SIZE = 7.5;
const ROW_HEIGHT = 11;

/** Writes the document as a PDF to `out`: title, a table repeated in its header on every page, totals per currency. */
export async function writePdf(document: ReportDocument, out: Writable): Promise<void> {
  const pdf = new PDFDocument({ ...PAGE, bufferPages: false, info: { Title: document.title, Producer: 'settleflow' } });
  const done = pipeline(pdf, out);
  // A reader that goes away fails `done` while rows are still being read: handled here, awaited below, so it is never
  // an unhandled rejection (which would end the process).
  done.catch(() => undefined);
  const totals = new ReportTotals(document);
  const left = PAGE.margin;
  const bottom = () => pdf.page.height - PAGE.margin - ROW_HEIGHT * 2;
  const widths = document.columns.map((column) => column.width);

  const cells = (texts: string[], y: number, font: 'Helvetica' | 'Helvetica-Bold') => {
    pdf.font(font).fontSize(FONT_SIZE);
    let x = left;
    texts.forEach((text, index) => {
      const width = widths[index]!;
      const column = document.columns[index]!;
      const align = column.kind === 'text' ? 'left' : 'right';
      pdf.text(text, x, y, { width: width - 4, align, lineBreak: false, ellipsis: true });
      x += width;
    });
  };
  const tableHeader = () => {
    cells(
      document.columns.map((column) => column.header),
      pdf.y,
      'Helvetica-Bold',
    );
    pdf.y += ROW_HEIGHT;
  };

  pdf.font('Helvetica-Bold').fontSize(14).text(document.title, left, PAGE.margin);
  pdf.font('Helvetica').fontSize(8);
  for (const line of document.subtitle) pdf.text(line);
  pdf.moveDown(0.8);
  tableHeader();
  let rows = 0;
  for await (const row of document.rows) {
    // The reader went away: stop reading (leaving the loop closes the rows' database cursor).
    if (out.destroyed) break;
    totals.add(row);
    const lines = row.note ? 2 : 1;
    if (pdf.y + ROW_HEIGHT * lines > bottom()) {
      pdf.addPage();
      pdf.y = PAGE.margin;
      tableHeader();
      // Let the consumer take the finished page before the next one is built.
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    const y = pdf.y;
    cells(
      document.columns.map((column) => formatValue(column, row)),
      y,
      'Helvetica',
    );
    if (row.note) {
      pdf.font('Helvetica-Oblique').fontSize(FONT_SIZE - 0.5);
      pdf.text(`${document.noteHeader ?? 'Note'}: ${row.note}`, left + widths[0]!, y + ROW_HEIGHT, {
        width: widths.slice(1).reduce((a, b) => a + b, 0) - 4,
        lineBreak: false,
        ellipsis: true,
      });
    }
    pdf.y = y + ROW_HEIGHT * lines;
    rows += 1;
  }
  if (rows === 0)
    pdf
      .font('Helvetica')
      .fontSize(FONT_SIZE)
      .text(document.emptyText ?? 'No payments.', left, pdf.y);

  pdf.moveDown(1);
  const groups = totals.groups();
  if (pdf.y + ROW_HEIGHT * (totals.byCurrency.size + groups.length + 3) > bottom()) {
    pdf.addPage();
    pdf.y = PAGE.margin;
  }
  const byKey = new Map(document.columns.map((column) => [column.key, column]));
  const totalLine = (label: string, currency: string, sums: Map<string, number>) => {
    const row: ReportRow = { currency, values: Object.fromEntries(sums) };
    const parts = document.totals.map((key) => {
      const column = byKey.get(key)!;
      return `${column.header.toLowerCase()} ${formatValue(column, row)}`;
    });
    pdf.text(`${label}: ${parts.join(', ')}`, left, pdf.y, { lineBreak: false });
    pdf.y += ROW_HEIGHT;
  };
  if (groups.length > 0) {
    const header = byKey.get(document.groupTotalsBy!.key)?.header ?? 'group';
    pdf.font('Helvetica-Bold').fontSize(9).text(`Totals per ${header.toLowerCase()} and currency`, left, pdf.y);
    pdf.font('Helvetica').fontSize(8);
    for (const { group, currency, sums } of groups) totalLine(`Total ${group} ${currency}`, currency, sums);
    pdf.y += ROW_HEIGHT / 2;
  }
  pdf.font('Helvetica-Bold').fontSize(9).text('Totals per currency', left, pdf.y);
  pdf.font('Helvetica').fontSize(8);
  for (const currency of totals.currencies()) {
    totalLine(`Total ${currency}`, currency, totals.byCurrency.get(currency)!);
  }
  pdf.end();
  await done;
}

/** Writes the document in `format`. */
export function writeReport(document: ReportDocument, format: ReportFormat, out: Writable): Promise<void> {
  return format === 'csv' ? writeCsv(document, out) : writePdf(document, out);
}
