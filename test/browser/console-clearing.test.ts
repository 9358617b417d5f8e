// The console's clearing pages in a real browser (Debian's Chromium through playwright-core), against the API on a
// socket with the order and gateway workers and the real bank host. The test opens a settlement account and an
// acquirer of its own at the bank, so the day's statement holds its lines only, and seeds: a card payment captured
// through the gateway whose order asked for settlement (the seller has a payout account), an amount mismatch (the bank
// took 20.03, the ledger booked 20.00) and a journal the bank never booked. Then an operator, in the browser, runs a
// cut-off and reads its batch, reconciles the day and finds the breaks in the queue, assigns, comments on and resolves
// one and reads its audit trail, dry-runs a correction rule and applies it (the ledger gets exactly the adjusting
// journal the dry run showed), and downloads the daily clearing report as CSV and PDF, the batch's settlement statement
// (PDF) and the run's reconciliation report (CSV). A seller sees none of these
// pages. axe-core runs on every page; the browser console must stay free of errors; screenshots as console.test.ts.

import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import axe from 'axe-core';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { financialRequest } from '../../src/iso8583';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import { postJournal } from '../../src/persistence/ledger-store';
import { IsoClient, authorization, codeOf, control, openCard } from '../bank-host/support';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('../../scripts/lib/ensure-chromium') as { ensureChromium: () => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/console-build') as {
  buildConsole: (options: { ifStale: boolean }) => boolean;
};

jest.setTimeout(240_000);

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOTS = process.env.SCREENSHOTS_DIR
  ? path.resolve(process.env.SCREENSHOTS_DIR)
  : process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(ROOT, 'docs', 'screenshots')
    : path.join(ROOT, 'test-results', 'screenshots');
const WAIT = { timeout: 60_000 };

const DAY = new Date().toISOString().slice(0, 10);
const ACQUIRER = String(70_000_000 + Math.floor(Math.random() * 1_000_000));
const SETTLEMENT_IBAN = ibanOf('DE', `77777777${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
const PAYOUT_IBAN = ibanOf('DE', `88888888${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
const run = randomUUID().slice(0, 8);
const paymentId = (name: string) => `payment-clearing-${run}-${name}-1`;
const rrnOf = (name: string) => rrnFor(`${paymentId(name)}:authorization`);

let h: ApiHarness;
let browser: Browser;
let iso: IsoClient;
let paidOrderId: string;
const contexts: BrowserContext[] = [];
const consoleErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const results = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`,
  )) as axe.AxeResults;
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, member: CastMember): Promise<void> {
  await page.goto(`${h.baseUrl}/console/`);
  await page.getByLabel('API key').fill(h.key(member));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor(WAIT);
}

/** A capture journal as the gateway books it: clearing debited, a seller's payable credited. */
async function ledgerCapture(name: string, amount: number): Promise<void> {
  await postJournal(h.db, {
    journalId: `${paymentId(name)}:capture`,
    orderId: `clearing-${run}-${name}`,
    kind: 'CAPTURE',
    at: new Date().toISOString(),
    legs: [
      { account: 'gateway:clearing', direction: 'DEBIT', amount: { amount, currency: 'EUR' } },
      { account: `seller:clearing-${run}:payable`, direction: 'CREDIT', amount: { amount, currency: 'EUR' } },
    ],
  });
}

/** A purchase at the bank (0200) under a payment's RRN, for this test's acquirer. */
async function bankPurchase(name: string, amount: number, pan: string): Promise<void> {
  const request = {
    ...authorization(pan, amount, { acquirerId: ACQUIRER, rrn: rrnOf(name) }),
    transactionType: 'purchase' as const,
  };
  expect(codeOf(await iso.request(financialRequest.toIso8583(request)))).toBe('00');
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  buildConsole({ ifStale: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await control('POST', '/v1/accounts', {
    kind: 'settlement',
    iban: SETTLEMENT_IBAN,
    acquirerId: ACQUIRER,
    balances: { EUR: 10_000_000 },
  });
  await control('POST', '/v1/accounts', { kind: 'current', iban: PAYOUT_IBAN, balances: { EUR: 0 } });
  h = await startApiHarness({
    GATEWAY_SETTLEMENT_IBAN: SETTLEMENT_IBAN,
    BANK_ACQUIRER_ID: ACQUIRER,
    SETTLEMENT_ORDER_PAYOUT: 'batch',
    SETTLEMENT_CLEARING_MS: '500',
  });
  iso = await IsoClient.connect();
  const pan = (await openCard(1_000_000)).pan;
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });

  // A card payment of €125.00 captured through the gateway, whose order asked for its settlement.
  const sellerId = h.parties.seller.id;
  paidOrderId = `clearing-${run}-paid`;
  const paid = await h.gateway.payments.authorize({
    orderId: paidOrderId,
    attempt: 1,
    sellerId,
    amount: { amount: 12_500, currency: 'EUR' },
    captureMode: 'immediate',
    sealedCard: h.vault.seal(JSON.stringify({ number: pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3 })),
  });
  expect(paid.status).toBe('succeeded');
  await h.gateway.settlement.request({
    paymentId: paid.paymentId,
    orderId: paidOrderId,
    orderWorkflowId: `order-${paidOrderId}`,
    sellerId,
    currency: 'EUR',
  });
  const account = await h.api('PUT', `/v1/settlement/payout-accounts/${sellerId}`, {
    key: h.key('operator'),
    body: { iban: PAYOUT_IBAN, accountHolder: h.parties.seller.name },
  });
  expect(account.status).toBe(200);
  // AMOUNT_MISMATCH: the bank took 20.03, the ledger booked 20.00. MISSING_IN_BANK: a journal the bank never booked.
  await bankPurchase('mismatch', 2_003, pan);
  await ledgerCapture('mismatch', 2_000);
  await ledgerCapture('nobank', 3_000);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  iso?.close();
  await h?.close();
});

describe('console clearing pages in a browser', () => {
  let page: Page;
  let runId: string;

  test('settlement › operator runs a cut-off with confirmation › the batch pays the seller out, line by line', async () => {
    page = await newPage();
    await signIn(page, 'operator');
    await page.getByRole('link', { name: 'Settlement' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settlement' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Run cut-off now…' }).click();
    await page.getByRole('button', { name: 'Confirm cut-off' }).click();
    const started = page.getByRole('status').filter({ hasText: /started: batch batch-\d{8}T\d{6}Z/ });
    await started.waitFor(WAIT);
    const batchId = /batch-\d{8}T\d{6}Z/.exec(await started.innerText())![0];

    await page.getByRole('link', { name: batchId }).click();
    await page.getByRole('heading', { level: 1, name: `Batch ${batchId}` }).waitFor(WAIT);
    const payouts = page.getByRole('region', { name: 'Payouts, scrollable table' });
    await payouts.locator('.badge', { hasText: 'Paid' }).waitFor(WAIT);
    await page.locator('.badge', { hasText: 'Completed' }).first().waitFor(WAIT);
    const payoutText = await payouts.innerText();
    expect(payoutText).toContain(h.parties.seller.id);
    expect(payoutText).toContain('€125.00');
    expect(payoutText).toContain(`•••• ${PAYOUT_IBAN.slice(-4)}`);
    const lines = await page.getByRole('region', { name: 'Batch lines, scrollable table' }).innerText();
    expect(lines).toContain(paidOrderId);
    expect(lines).toContain('Paid');
    const stored = await h.api('GET', `/v1/settlement/batches/${batchId}`, { key: h.key('operator') });
    const payout = stored.body.batch.payouts[0];
    expect([payout.grossMinor, payout.status]).toEqual([12_500, 'PAID']);
    expect(payoutText).toContain(`€${(payout.netMinor / 100).toFixed(2)}`);
    const statementHref = await page
      .getByRole('link', { name: 'Download the settlement statement as PDF' })
      .getAttribute('href');
    expect(statementHref).toBe(`/v1/reports/settlement-statement?batchId=${batchId}&format=pdf`);
    const statement = await page.context().request.get(`${h.baseUrl}${statementHref}`);
    expect([statement.status(), statement.headers()['content-type']]).toEqual([200, 'application/pdf']);
    expect((await statement.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'settlement-batch');

    await page.getByRole('link', { name: '← All batches' }).click();
    await page.getByRole('link', { name: batchId }).waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'settlement');
  });

  test('reconciliation › operator reconciles the day › the run classifies the breaks and the queue lists them', async () => {
    await page.getByRole('link', { name: 'Reconciliation', exact: true }).click();
    await page.getByLabel('Day (UTC)').fill(DAY);
    await page.getByRole('button', { name: 'Start reconciliation' }).click();
    await page.getByRole('heading', { level: 1, name: `Reconciliation of ${DAY}` }).waitFor(WAIT);
    await page.locator('.badge', { hasText: 'Completed' }).first().waitFor(WAIT);
    runId = decodeURIComponent(page.url().split('/').pop()!);
    const classes = await page.getByRole('region', { name: 'Items by class, scrollable table' }).innerText();
    expect(classes).toMatch(/Amount mismatch\s+1/);
    expect(classes).toMatch(/Matched\s+[1-9]/);
    await page.getByRole('button', { name: 'Amount mismatch' }).click();
    const items = page.getByRole('region', { name: 'Reconciliation items, scrollable table' });
    await items.getByText(`rrn:${rrnOf('mismatch')}`).waitFor(WAIT);
    expect(await items.innerText()).toContain('€0.03');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'reconciliation-run');

    await page.getByRole('link', { name: 'work them in the exception queue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Exception queue' }).waitFor(WAIT);
    await page.getByRole('link', { name: `rrn:${rrnOf('nobank')}` }).waitFor(WAIT);
    await page.getByRole('link', { name: `rrn:${rrnOf('mismatch')}` }).waitFor(WAIT);
    await page.getByLabel('Class').selectOption('AMOUNT_MISMATCH');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: `rrn:${rrnOf('nobank')}` }).waitFor({ state: 'detached', ...WAIT });
    expect(await page.getByRole('link', { name: `rrn:${rrnOf('mismatch')}` }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'exceptions');
  });

  test('exception queue › operator assigns, comments and resolves a break › its audit trail says who did what', async () => {
    await page.getByLabel('Class').selectOption('MISSING_IN_BANK');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: `rrn:${rrnOf('nobank')}` }).click();
    await page.getByRole('heading', { level: 2, name: 'Work the break' }).waitFor(WAIT);
    const operatorId = h.parties.operator.id;
    await page.getByLabel('Assignee').fill(operatorId);
    await page.getByRole('button', { name: 'Assign' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Assigned to ${operatorId}.` })
      .waitFor(WAIT);
    await page.locator('.badge', { hasText: 'Assigned' }).waitFor(WAIT);
    await page.getByLabel('New comment').fill('the bank has no line for this capture; checked with the acquirer');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.getByText('checked with the acquirer').first().waitFor(WAIT);
    await page.getByLabel('Write off: the difference is lost').check();
    await page.getByLabel('Note (required: why)').fill('test capture, never sent to the bank');
    await page.getByRole('button', { name: 'Resolve break' }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved: Write off.' }).waitFor(WAIT);
    await page.locator('.badge', { hasText: 'Resolved' }).waitFor(WAIT);

    const audit = page.getByRole('region', { name: 'Break audit trail, scrollable table' });
    await audit.getByRole('rowheader', { name: 'Resolve' }).waitFor(WAIT);
    const trail = await audit.innerText();
    expect(trail.match(new RegExp(operatorId, 'g'))?.length).toBeGreaterThanOrEqual(3);
    expect(trail).toMatch(/Assign[\s\S]*status: OPEN[\s\S]*status: ASSIGNED/);
    expect(trail).toMatch(/Resolve[\s\S]*status: ASSIGNED[\s\S]*status: RESOLVED/);
    const stored = await h.api(
      'GET',
      `/v1/reconciliation/exceptions?runId=${runId}&class=MISSING_IN_BANK&status=RESOLVED`,
      { key: h.key('operator') },
    );
    const resolved = stored.body.data.find((x: { key: string }) => x.key === `rrn:${rrnOf('nobank')}`);
    expect([
      resolved.assignee,
      resolved.resolution.action,
      resolved.resolution.actor,
      resolved.comments.length,
    ]).toEqual([operatorId, 'WRITE_OFF', operatorId, 1]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'exception-detail');
  });

  test('correction rules › a draft is dry-run, then saved and applied › the ledger gets exactly the journal shown', async () => {
    await page.getByRole('link', { name: 'Correction rules' }).first().click();
    await page.getByRole('heading', { level: 2, name: 'In force: version 0' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Rule id').fill('small-differences');
    await page.getByLabel('Tolerance (minor units)').fill('5');
    await page.getByLabel('Run to try it on').selectOption(runId);
    await page.getByLabel('Why (kept in the audit)').fill('card rounding at the acquirer');
    await page.getByRole('button', { name: 'Dry run the draft' }).click();
    const plan = page.getByRole('region', { name: 'Correction plan, scrollable table' });
    await plan.waitFor(WAIT);
    const planText = await plan.innerText();
    const breakId = (
      await h.api('GET', `/v1/reconciliation/exceptions?runId=${runId}&class=AMOUNT_MISMATCH`, {
        key: h.key('operator'),
      })
    ).body.data[0].exceptionId as string;
    expect(planText).toContain(`recon:${breakId}:adjustment`);
    expect(planText).toMatch(/Debit gateway:clearing €0\.03/);
    expect(planText).toMatch(/Credit gateway:recon-differences €0\.03/);
    // A dry run writes nothing: no version, no correction.
    expect((await h.api('GET', '/v1/reconciliation/rules', { key: h.key('operator') })).body.version).toBe(0);
    expect(
      (await h.api('GET', `/v1/reconciliation/runs/${runId}/corrections`, { key: h.key('operator') })).body.data,
    ).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'correction-rules-dry-run');

    await page.getByRole('button', { name: 'Save as version 1 and apply' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Saved as version 1 and applied to the run: 1 break(s) corrected' })
      .waitFor(WAIT);
    await page.getByRole('heading', { level: 2, name: 'In force: version 1' }).waitFor(WAIT);
    const journal = await h.db.ledger.findOne({ _id: `recon:${breakId}:adjustment` }).lean<LedgerJournalRecord>();
    expect(journal?.legs.map((leg) => [leg.account, leg.direction, leg.amount])).toEqual([
      ['gateway:clearing', 'DEBIT', 3],
      ['gateway:recon-differences', 'CREDIT', 3],
    ]);
    const fixed = await h.api('GET', `/v1/reconciliation/exceptions/${encodeURIComponent(breakId)}`, {
      key: h.key('operator'),
    });
    expect([fixed.body.status, fixed.body.resolution.by, fixed.body.resolution.ruleId]).toEqual([
      'RESOLVED',
      'rule',
      'small-differences',
    ]);
    const audit = page.getByRole('region', { name: 'Rules audit trail, scrollable table' });
    await audit.getByText('small-differences: amount differences up to 5 minor units').waitFor(WAIT);
    const trail = await audit.innerText();
    expect(trail).toContain(h.parties.operator.id);
    expect(trail).toContain('no rules');
    await screenshot(page, 'correction-rules');
  });

  test('reports › the daily clearing report and the reconciliation report › download as PDF and CSV with the day’s figures', async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor(WAIT);
    const pdfLink = page.getByRole('link', { name: `Download the daily clearing report of ${DAY} as PDF` });
    const csvLink = page.getByRole('link', { name: `Download the daily clearing report of ${DAY} as CSV` });
    const request = page.context().request;
    const pdf = await request.get(`${h.baseUrl}${await pdfLink.getAttribute('href')}`);
    expect([pdf.status(), pdf.headers()['content-type']]).toEqual([200, 'application/pdf']);
    expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const csv = await request.get(`${h.baseUrl}${await csvLink.getAttribute('href')}`);
    expect([csv.status(), csv.headers()['content-type']]).toEqual([200, 'text/csv; charset=utf-8']);
    expect(await csv.text()).toContain(h.parties.seller.id);
    const reconciliationCsv = page.getByRole('link', { name: `Download the reconciliation report of ${runId} as CSV` });
    const report = await request.get(`${h.baseUrl}${await reconciliationCsv.getAttribute('href')}`);
    expect([report.status(), report.headers()['content-type']]).toEqual([200, 'text/csv; charset=utf-8']);
    expect(await report.text()).toContain(`rrn:${rrnOf('mismatch')}`);
    const stats = page.getByRole('region', { name: 'Clearing statistics, scrollable table' });
    await stats.getByRole('rowheader', { name: h.parties.seller.id }).waitFor(WAIT);
    expect(await stats.innerText()).toContain('€125.00');
    const transactions = page.getByRole('region', { name: 'Transactions, scrollable table' });
    await transactions.getByText(`payment-${paidOrderId}-1`).waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'reports');
  });

  test('console › a seller › sees no clearing page nor its navigation entry', async () => {
    const seller = await newPage();
    await signIn(seller, 'seller');
    const nav = await seller.getByRole('navigation', { name: 'Main' }).innerText();
    expect(nav).not.toMatch(/Settlement|Reconciliation|Exceptions|Correction rules|Reports/);
    for (const pathname of ['settlement', 'reconciliation', 'exceptions', 'correction-rules', 'reports']) {
      await seller.goto(`${h.baseUrl}/console/${pathname}`);
      await seller.getByRole('heading', { level: 1, name: 'Not found' }).waitFor(WAIT);
    }
  });

  test('console › every clearing page visited › left no error in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
