// The reconciliation report of a run over HTTP (issue 9 E), on a day the real reconciliation workflow reconciles
// against the bank host's camt.053: a settlement account and acquirer of this test's own hold a card payment made
// through the gateway (MATCHED), a purchase the ledger booked 0.03 short (AMOUNT_MISMATCH, corrected by an ADJUST rule
// of rule set v1), a journal the bank never booked (MISSING_IN_BANK, left OPEN) and a purchase the ledger never booked
// (MISSING_IN_LEDGER, ASSIGNED). The CSV and the PDF (read back with pdftotext from Debian's poppler-utils) must show
// each break's exception state and correction, and totals per class and per currency equal to the ledger's journals
// and the bank's statement. Operators only: a seller or customer gets 403; bad input is a clear 400.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { formatMinor } from '../../src/gateway/reports/report-renderers';
import { financialRequest } from '../../src/iso8583';
import { parseBankStatement } from '../../src/iso20022';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import { postJournal } from '../../src/persistence/ledger-store';
import type { ApiHarness, CastMember, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { IsoClient, authorization, bankHost, channelHeaders, codeOf, control, openCard } from '../bank-host/support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensurePdftotext } = require('../../scripts/lib/ensure-poppler') as { ensurePdftotext: () => string };

const DAY = new Date().toISOString().slice(0, 10);
const ACQUIRER = String(70_000_000 + Math.floor(Math.random() * 1_000_000));
const IBAN = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
const run = randomUUID().slice(0, 8);
const paymentId = (name: string) => `payment-rrep-${run}-${name}-1`;
const rrnOf = (name: string) => rrnFor(`${paymentId(name)}:authorization`);

let h: ApiHarness;
let iso: IsoClient;
let pan: string;
let runId: string;
let matchedRrn: string;
/** The amounts the ledger's journals moved on the clearing account, by item key; the correction journal's amount. */
const ledgerByKey = new Map<string, number>();
let correction: { journalId: string; amount: number };
/** The bank's statement of the day, signed from the settlement account (credits positive). */
let bankTotal = 0;

async function ledgerCapture(name: string, amount: number): Promise<void> {
  await postJournal(h.db, {
    journalId: `${paymentId(name)}:capture`,
    orderId: `rrep-${run}-${name}`,
    kind: 'CAPTURE',
    at: new Date().toISOString(),
    legs: [
      { account: 'gateway:clearing', direction: 'DEBIT', amount: { amount, currency: 'EUR' } },
      { account: `seller:rrep-${run}:payable`, direction: 'CREDIT', amount: { amount, currency: 'EUR' } },
    ],
  });
}

async function bankPurchase(name: string, amount: number): Promise<void> {
  const request = {
    ...authorization(pan, amount, { acquirerId: ACQUIRER, rrn: rrnOf(name) }),
    transactionType: 'purchase' as const,
  };
  expect(codeOf(await iso.request(financialRequest.toIso8583(request)))).toBe('00');
}

async function download(
  pathAndQuery: string,
  member: CastMember,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${h.baseUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${h.key(member)}` },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'settleflow-recon-report-'));
  try {
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, bytes);
    return execFileSync(ensurePdftotext(), [file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  await control('POST', '/v1/accounts', { kind: 'settlement', iban: IBAN, acquirerId: ACQUIRER, balances: { EUR: 0 } });
  h = await startApiHarness({ GATEWAY_SETTLEMENT_IBAN: IBAN, BANK_ACQUIRER_ID: ACQUIRER });
  iso = await IsoClient.connect();
  pan = (await openCard(1_000_000)).pan;
  const op = { key: h.key('operator') };

  const card = { number: pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3 };
  const paid = await h.gateway.payments.authorize({
    orderId: `rrep-${run}-matched`,
    attempt: 1,
    sellerId: `rrep-${run}`,
    amount: { amount: 1_000, currency: 'EUR' },
    captureMode: 'immediate',
    sealedCard: h.vault.seal(JSON.stringify(card)),
  });
  expect(paid.status).toBe('succeeded');
  matchedRrn = rrnFor(`${paid.paymentId}:authorization`);
  await bankPurchase('mismatch', 2_003);
  await ledgerCapture('mismatch', 2_000);
  await ledgerCapture('nobank', 3_000);
  await bankPurchase('noledger', 4_000);

  const started = await h.api('POST', '/v1/reconciliation/runs', { ...op, body: { day: DAY } });
  expect([200, 202]).toContain(started.status);
  runId = started.body.runId;
  let got: Json;
  for (let i = 0; i < 600; i += 1) {
    got = await h.api('GET', `/v1/reconciliation/runs/${runId}`, op);
    if (got.status === 200 && got.body.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(got!.body.status).toBe('COMPLETED');

  const rules = await h.api('POST', '/v1/reconciliation/rules', {
    ...op,
    body: {
      expectedVersion: 0,
      rules: [
        {
          id: 'small-differences',
          class: 'AMOUNT_MISMATCH',
          action: 'ADJUST',
          toleranceMinor: 5,
          currency: 'EUR',
          account: 'gateway:recon-differences',
        },
      ],
    },
  });
  expect([rules.status, rules.body.version]).toEqual([201, 1]);
  expect((await h.api('POST', `/v1/reconciliation/runs/${runId}/corrections`, op)).status).toBe(200);
  const missing = await h.api('GET', `/v1/reconciliation/exceptions?runId=${runId}&class=MISSING_IN_LEDGER`, op);
  const assigned = await h.api(
    'POST',
    `/v1/reconciliation/exceptions/${encodeURIComponent(missing.body.data[0].exceptionId)}/assign`,
    { ...op, body: { assignee: 'ops-anna', version: missing.body.data[0].version } },
  );
  expect(assigned.status).toBe(200);

  // The ledger's side: this test's journals on the clearing account, and the correcting journal.
  const journals = await h.db.ledger.find({}).lean<LedgerJournalRecord[]>();
  for (const journal of journals) {
    const clearing = journal.legs.find((leg) => leg.account === 'gateway:clearing' && leg.direction === 'DEBIT');
    if (journal.kind === 'ADJUSTMENT') {
      const leg = journal.legs.find((l) => l.account === 'gateway:recon-differences' && l.direction === 'CREDIT')!;
      correction = { journalId: journal._id, amount: leg.amount };
    } else if (clearing && journal.orderId.startsWith(`rrep-${run}-`)) {
      const name = journal.orderId.slice(`rrep-${run}-`.length);
      ledgerByKey.set(name === 'matched' ? `rrn:${matchedRrn}` : `rrn:${rrnOf(name)}`, clearing.amount);
    }
  }
  // The bank's side: the day's camt.053 of the settlement account.
  const statement = await fetch(`${bankHost.iso20022Url}/iso20022/statements`, {
    method: 'POST',
    headers: channelHeaders('application/json'),
    body: JSON.stringify({ iban: IBAN, currency: 'EUR', date: DAY }),
  });
  for (const entry of parseBankStatement(await statement.text()).statements[0]!.entries) {
    bankTotal += entry.creditDebit === 'CRDT' ? entry.amount.amount : -entry.amount.amount;
  }
}, 180_000);

afterAll(async () => {
  iso?.close();
  await h?.close();
});

const eur = (amount: number) => formatMinor(amount, 'EUR');

describe('reconciliation report', () => {
  test('access › a seller, a customer, a supplier › 403 in either format', async () => {
    const statuses = [];
    for (const member of ['seller', 'customer', 'supplier'] as const) {
      for (const format of ['csv', 'pdf']) {
        const answer = await h.api('GET', `/v1/reports/reconciliation?runId=${runId}&format=${format}`, {
          key: h.key(member),
        });
        statuses.push([answer.status, answer.body?.error?.code]);
      }
    }

    expect(statuses).toEqual(Array(6).fill([403, 'forbidden']));
  });

  test('CSV › every item with its break’s state and correction › totals per class and currency equal the journals and the statement', async () => {
    const response = await download(`/v1/reports/reconciliation?runId=${runId}&format=csv`, 'operator');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="reconciliation-${runId}.csv"`);
    const lines = response.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'Item,Class,Currency,Items,Bank,Ledger,Difference,Exception,Action,Rule,Rule set,Correction,Correction journal',
    );
    const mismatch = `rrn:${rrnOf('mismatch')}`;
    const nobank = `rrn:${rrnOf('nobank')}`;
    const noledger = `rrn:${rrnOf('noledger')}`;
    const matched = `rrn:${matchedRrn}`;
    expect(ledgerByKey.get(mismatch)).toBe(2_000);
    expect(correction.amount).toBe(3);
    expect(correction.journalId).toMatch(/^recon:.*:adjustment$/);
    const rows = lines.slice(1, 5).sort();
    expect(rows).toEqual(
      [
        `${matched},MATCHED,EUR,,10.00,${eur(ledgerByKey.get(matched)!)},0.00,,,,,,`,
        `${mismatch},AMOUNT_MISMATCH,EUR,,20.03,${eur(ledgerByKey.get(mismatch)!)},0.03,RESOLVED,ADJUST,small-differences,v1,${eur(correction.amount)},${correction.journalId}`,
        `${nobank},MISSING_IN_BANK,EUR,,,${eur(ledgerByKey.get(nobank)!)},,OPEN,,,,,`,
        `${noledger},MISSING_IN_LEDGER,EUR,,40.00,,,ASSIGNED,,,,,`,
      ].sort(),
    );
    const ledgerTotal = [...ledgerByKey.values()].reduce((a, b) => a + b, 0);
    expect(ledgerTotal).toBe(6_000);
    expect(bankTotal).toBe(7_003);
    expect(lines.slice(5)).toEqual([
      `TOTAL,MATCHED,EUR,1,10.00,${eur(ledgerByKey.get(matched)!)},0.00,,,,,0.00,`,
      `TOTAL,AMOUNT_MISMATCH,EUR,1,20.03,${eur(ledgerByKey.get(mismatch)!)},0.03,,,,,${eur(correction.amount)},`,
      `TOTAL,MISSING_IN_BANK,EUR,1,0.00,${eur(ledgerByKey.get(nobank)!)},0.00,,,,,0.00,`,
      `TOTAL,MISSING_IN_LEDGER,EUR,1,40.00,0.00,0.00,,,,,0.00,`,
      `TOTAL,,EUR,4,${eur(bankTotal)},${eur(ledgerTotal)},0.03,,,,,${eur(correction.amount)},`,
    ]);
  });

  test('PDF › read back with pdftotext › the day, lines per side, classes, the correction journal and the totals', async () => {
    const response = await download(`/v1/reports/reconciliation?runId=${runId}&format=pdf`, 'operator');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const text = pdfText(response.bytes);
    expect(text).toContain(`Reconciliation report ${DAY}`);
    expect(text).toContain(`settlement account ending ${IBAN.slice(-4)}`);
    expect(text).toContain("Bank lines 3 (the day's camt.053), ledger lines 3");
    expect(text).toContain(
      'Items per class: MATCHED 1, AMOUNT_MISMATCH 1, MISSING_IN_BANK 1, MISSING_IN_LEDGER 1, DUPLICATE 0, TIMING 0.',
    );
    expect(text).toContain(`Correction journal: ${correction.journalId}`);
    const ledgerTotal = [...ledgerByKey.values()].reduce((a, b) => a + b, 0);
    const totals = text.split('\n').filter((line) => line.startsWith('Total '));
    expect(totals).toEqual([
      `Total MATCHED EUR: items 1, bank 10.00, ledger ${eur(ledgerByKey.get(`rrn:${matchedRrn}`)!)}, difference 0.00, correction 0.00`,
      `Total AMOUNT_MISMATCH EUR: items 1, bank 20.03, ledger 20.00, difference 0.03, correction ${eur(correction.amount)}`,
      'Total MISSING_IN_BANK EUR: items 1, bank 0.00, ledger 30.00, difference 0.00, correction 0.00',
      'Total MISSING_IN_LEDGER EUR: items 1, bank 40.00, ledger 0.00, difference 0.00, correction 0.00',
      `Total EUR: items 4, bank ${eur(bankTotal)}, ledger ${eur(ledgerTotal)}, difference 0.03, correction ${eur(correction.amount)}`,
    ]);
  });

  test('bad input › malformed, missing or unknown run, unknown format or field › 400 naming the field, 404 run_not_found', async () => {
    const op = { key: h.key('operator') };
    const malformed = await h.api('GET', '/v1/reports/reconciliation?runId=nope&format=csv', op);
    const missing = await h.api('GET', `/v1/reports/reconciliation?runId=${runId}`, op);
    const format = await h.api('GET', `/v1/reports/reconciliation?runId=${runId}&format=xlsx`, op);
    const unknown = await h.api('GET', `/v1/reports/reconciliation?runId=${runId}&format=csv&day=${DAY}`, op);
    const none = await h.api('GET', '/v1/reports/reconciliation?runId=recon-2000-01-01-00000000&format=pdf', op);

    expect([malformed.status, malformed.body.error.type, malformed.body.error.param]).toEqual([
      400,
      'invalid_request_error',
      'runId',
    ]);
    expect([missing.status, missing.body.error.param]).toEqual([400, 'format']);
    expect([format.status, format.body.error.param]).toEqual([400, 'format']);
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'parameter_unknown']);
    expect([none.status, none.body.error]).toEqual([
      404,
      {
        type: 'not_found_error',
        code: 'run_not_found',
        message: 'no reconciliation run recon-2000-01-01-00000000',
        param: 'runId',
      },
    ]);
  });
});
