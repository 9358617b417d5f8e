// The console in a real browser: Chromium from Debian's packages (installed by scripts/lib/ensure-chromium.js when
// missing), driven by playwright-core against the API on a socket with a worker. Signs in as an operator and as a
// seller, finds an order, opens its timeline, cancels an order, rotates a party's key, sees the monitoring charts
// with data (fed by the metrics, with a real bank link's gauges and an unreachable order worker), reads an order's
// ledger journals, edits a seller's fee and capture setting, changes a setting; runs axe-core on every page (no
// serious or critical violation), checks that the browser console stays free of errors, and saves a screenshot of
// each page to test-results/screenshots/ (gitignored), or to docs/screenshots/ with UPDATE_SCREENSHOTS=1, or to
// SCREENSHOTS_DIR when set.

import fs from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OrderView } from '../../src/domain/order';
import { GATEWAY_REVERSALS } from '../../src/gateway/bank-connector/reversal-queue';
import type { GatewayRuntime } from '../../src/gateway/gateway-runtime';
import { DEFAULT_GATEWAY_SETTINGS, startGatewayRuntime } from '../../src/gateway/gateway-runtime';
import type { MetricsServer } from '../../src/observability/metrics';
import { createGatewayMetrics, serveMetrics } from '../../src/observability/metrics';
import type { Database } from '../../src/persistence/database';
import { connectDatabase } from '../../src/persistence/database';
import { Vault } from '../../src/security/vault';
import { bankHostEnv } from '../support/bank-control';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { silentLogger } from '../support/log-capture';
import { testServers, uniqueDatabaseUri } from '../support/workflow-env';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('../../scripts/lib/ensure-chromium') as { ensureChromium: () => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/console-build') as {
  buildConsole: (options: { ifStale: boolean }) => boolean;
};

jest.setTimeout(240_000);

/** The rule sets axe-core runs: WCAG 2.1 A and AA, and its best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the screenshots go: the committed ones are rewritten only when asked (README, Console). */
const SCREENSHOTS = process.env.SCREENSHOTS_DIR
  ? path.resolve(process.env.SCREENSHOTS_DIR)
  : process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(ROOT, 'docs', 'screenshots')
    : path.join(ROOT, 'test-results', 'screenshots');
const WAIT = { timeout: 30_000 };

let h: ApiHarness;
let browser: Browser;
const contexts: BrowserContext[] = [];
const consoleErrors: string[] = [];
let paid: OrderView;
let waiting: OrderView;
let otherSellers: OrderView;
// The gateway worker's part: a real bank link to the test bank host with its gauges on a metrics server.
let gatewayDb: Database;
let gateway: GatewayRuntime;
let gatewayMetrics: MetricsServer;

const card = (number: string) => ({ method: 'card', card: { number, expMonth: 12, expYear: 2034, cvc: '123' } });

/** An order confirmed by the supplier and both carriers, then paid: one decline, then a capture. */
async function paidOrder(): Promise<OrderView> {
  const order = await h.placeOrder();
  await h.waitForStatus(order.orderId, 'AWAITING_SUPPLIER');
  const items = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const supplier = await h.api('POST', `/v1/orders/${order.orderId}/supplier-answer`, {
    key: h.key('supplier'),
    body: { available: true, reservationId: 'res-console', items },
  });
  expect(supplier.status).toBe(200);
  await h.waitForStatus(order.orderId, 'AWAITING_CARRIER');
  for (const [member, amount] of [
    ['carrierA', 9000],
    ['carrierB', 8000],
  ] as const) {
    const answer = await h.api('POST', `/v1/orders/${order.orderId}/carrier-answer`, {
      key: h.key(member),
      body: {
        accepted: true,
        pickupDate: '2026-12-01',
        deliveryDate: '2026-12-10',
        route: 'MUC-HAM',
        method: 'road',
        price: { amount, currency: 'EUR' },
      },
    });
    expect(answer.status).toBe(200);
  }
  await h.waitForStatus(order.orderId, 'CONFIRMED');
  const pay = (number: string) =>
    h.api('POST', `/v1/orders/${order.orderId}/payment-notification`, { key: h.key('customer'), body: card(number) });
  expect((await pay('4000000000009995')).status).toBe(402);
  expect((await pay('4242424242424242')).status).toBe(200);
  const read = await h.api('GET', `/v1/orders/${order.orderId}`, { key: h.key('operator') });
  return read.body as OrderView;
}

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

/** axe-core's serious and critical violations on the page as it is now, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the console's CSP (no inline script) is not in the way.
  await page.evaluate(axe.source);
  // Page code as a string: the test's own TypeScript program has no DOM types.
  const results = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`,
  )) as axe.AxeResults;
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

async function signIn(page: Page, member: CastMember): Promise<void> {
  await page.goto(`${h.baseUrl}/console/`);
  await page.getByLabel('API key').waitFor(WAIT);
  // By keyboard: the key field is the first thing Tab reaches, and Enter submits.
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('api-key');
  await page.keyboard.type(h.key(member));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor(WAIT);
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  buildConsole({ ifStale: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const servers = testServers();
  gatewayDb = await connectDatabase(uniqueDatabaseUri(servers.mongoUri, 'console-gw'));
  gateway = await startGatewayRuntime({
    db: gatewayDb,
    vault: new Vault(servers.vaultKey),
    settings: { ...DEFAULT_GATEWAY_SETTINGS, bankHostAddress: bankHostEnv().address, echoIntervalMs: 200 },
    log: () => undefined,
  });
  await gateway.connection.ready();
  const { registry } = createGatewayMetrics({
    link: () => gateway.connection.stats(),
    reversalsPending: () => gatewayDb.connection.collection(GATEWAY_REVERSALS).countDocuments({ state: 'pending' }),
    refreshMs: 1000,
    logger: silentLogger(),
  });
  gatewayMetrics = await serveMetrics(registry, {
    host: '127.0.0.1',
    port: 0,
    token: undefined,
    logger: silentLogger(),
  });
  h = await startApiHarness({
    ...(process.env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL } : {}),
    METRICS_REFRESH_MS: '1000',
    GATEWAY_METRICS_URL: `http://127.0.0.1:${gatewayMetrics.port}/metrics`,
    // Nothing listens on port 9: the order worker's metrics are unreachable, and the page must say unknown.
    WORKER_METRICS_URL: 'http://127.0.0.1:9/metrics',
  });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  paid = await paidOrder();
  waiting = await h.placeOrder();
  const placed = await h.api('POST', '/v1/orders', { key: h.key('otherSeller'), body: h.orderBody() });
  expect(placed.status).toBe(201);
  otherSellers = placed.body as OrderView;
  await h.waitForStatus(waiting.orderId, 'AWAITING_SUPPLIER');
  await h.waitForStatus(otherSellers.orderId, 'AWAITING_SUPPLIER');
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await h?.close();
  await gatewayMetrics?.close();
  await gateway?.close();
  await gatewayDb?.connection.dropDatabase();
  await gatewayDb?.close();
});

describe('console in a browser', () => {
  let page: Page;

  test('console › operator signs in by keyboard › sees the orders, filters them and a new order appears without reload', async () => {
    page = await newPage();
    await page.goto(`${h.baseUrl}/console/`);
    await page.getByLabel('API key').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');

    await signIn(page, 'operator');
    await page.getByRole('link', { name: paid.orderId }).waitFor(WAIT);
    await page.getByRole('link', { name: waiting.orderId }).waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'orders');

    await page.getByLabel('Status').selectOption(paid.status);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: waiting.orderId }).waitFor({ state: 'detached', ...WAIT });
    expect(await page.getByRole('link', { name: paid.orderId }).count()).toBe(1);

    await page.getByRole('button', { name: 'Reset' }).click();
    const fresh = await h.placeOrder();
    await page.getByRole('link', { name: fresh.orderId }).waitFor(WAIT);
  });

  test('console › order detail › draws the ten steps with who acted and when, the masked payments and the workflow link', async () => {
    await page.getByRole('link', { name: paid.orderId }).click();
    await page.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor(WAIT);
    const steps = page.locator('ol.timeline > li');
    expect(await steps.count()).toBe(10);
    await page
      .locator('ol.timeline > li.reached')
      .nth(paid.timeline.length - 1)
      .waitFor(WAIT);
    expect(await page.locator('ol.timeline > li.reached').count()).toBe(paid.timeline.length);
    const firstStep = await steps.first().innerText();
    expect(firstStep).toContain('Order placed');
    expect(firstStep).toContain(h.parties.seller.id);

    const payments = await page.getByRole('region', { name: 'Payments, scrollable table', exact: true }).innerText();
    expect(payments).toContain('•••• 4242');
    expect(payments).toContain('insufficient_funds');
    expect(payments).not.toMatch(/4242424242424242|4000000000009995/);
    await page.getByRole('region', { name: 'Notices, scrollable table' }).waitFor(WAIT);
    const journals = page.getByRole('region', { name: 'Ledger journals, scrollable table' });
    await journals.waitFor(WAIT);
    const journalText = await journals.innerText();
    // Paid through the bank host and captured at delivery: the paid order's ledger holds its authorization.
    expect(journalText).toContain('Authorization');
    expect(journalText).toMatch(new RegExp(`payment-${paid.orderId}-\\d+:authorization`));
    expect(journalText).toContain('bank:card-holds');
    expect(await page.getByRole('region', { name: 'Account balances, scrollable table' }).innerText()).toMatch(
      /€[\d,.]+/,
    );
    if (process.env.TEMPORAL_UI_URL) {
      const link = page.getByRole('link', { name: /Open in Temporal UI/ });
      expect(await link.getAttribute('href')).toContain(`/workflows/order-${paid.orderId}`);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'order-detail', true);
  });

  test('console › operator cancels an order › the order is cancelled by the operator', async () => {
    await page.goto(`${h.baseUrl}/console/orders/${waiting.orderId}`);
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    await page.getByLabel('Reason (optional)').fill('customer called to cancel');
    await page.getByRole('button', { name: 'Confirm cancellation' }).click();
    await page.getByRole('status').filter({ hasText: 'The order was cancelled.' }).waitFor(WAIT);

    const after = await h.api('GET', `/v1/orders/${waiting.orderId}`, { key: h.key('operator') });
    expect(after.body.status).toBe('CANCELLED');
    expect(after.body.cancellationReason).toBe('CANCELLED_BY_OPERATOR');
    await page.locator('.badge', { hasText: 'Cancelled' }).first().waitFor(WAIT);
  });

  test('console › parties › rotating a key shows the new key once; the old key stops, the new one works', async () => {
    await page.getByRole('link', { name: 'Parties' }).click();
    await page.getByLabel('Show role').selectOption('customer');
    const customer = h.parties.otherCustomer;
    const oldKey = h.key('otherCustomer');
    await page.getByRole('button', { name: `Rotate key of ${customer.name}` }).click();
    const secret = page.getByLabel('Secret value');
    await secret.waitFor(WAIT);
    const newKey = await secret.inputValue();

    expect(newKey).toMatch(/^sf_customer_/);
    expect((await h.api('GET', '/v1/parties/me', { key: oldKey })).status).toBe(401);
    expect((await h.api('GET', '/v1/parties/me', { key: newKey })).body.id).toBe(customer.id);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'I copied it' }).click();
    await screenshot(page, 'parties');
  });

  test('console › monitoring › draws orders by status, throughput, payment outcomes and the bank link from the metrics', async () => {
    await page.getByRole('link', { name: 'Monitoring' }).click();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor(WAIT);
    await page.locator('.recharts-bar-rectangle').first().waitFor(WAIT);
    // An order placed while the page is open shows in the throughput (the growth of settleflow_orders).
    const watched = await h.placeOrder();
    await h.waitForStatus(watched.orderId, 'AWAITING_SUPPLIER');
    await page.getByText(/Last 60 minutes: [1-9]\d* orders placed/).waitFor(WAIT);
    const bankLink = page.getByRole('region', { name: 'Bank link' });
    await bankLink.getByText('Up', { exact: true }).waitFor(WAIT);
    const link = await bankLink.innerText();
    expect(link).toContain('Ready');
    expect(link).toMatch(/Signed on\s+yes/);
    expect(link).toMatch(/Reversals pending\s+0/);
    // The link echoes every 200 ms when idle: the page shows the time of the last answered echo.
    await page.waitForFunction(
      "(() => { const card = document.querySelector('.bank-link'); return !!card && /Last echo/.test(card.innerText) && !card.innerText.includes('none yet'); })()",
      undefined,
      WAIT,
    );
    const sources = await page.locator('.sources').innerText();
    expect(sources).toContain('Gateway worker up');
    expect(sources).toContain('Order worker unknown');
    expect(await page.locator('.tile', { hasText: 'Supplier answer' }).innerText()).toContain('1 answers');
    expect(await page.locator('.recharts-line').count()).toBe(2);
    const approval = await page.locator('.tile', { hasText: 'Payment approval' }).innerText();
    expect(approval).toContain('50.0 %');
    // The paid order is authorized, captured only at delivery: approved all the same.
    expect(approval).toContain('0 captured, 1 declined, 0 unknown, 1 authorized');
    expect(await page.getByRole('region', { name: 'Decline reasons, scrollable table' }).innerText()).toContain(
      'insufficient_funds',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'monitoring', true);
  });

  test('console › settings › a change is saved with the version and shows in the audit trail', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Payment attempts per order').fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 1' }).waitFor(WAIT);
    await page
      .getByRole('region', { name: 'Settings audit trail, scrollable table' })
      .getByText('paymentMaxAttempts')
      .waitFor(WAIT);
    expect((await h.api('GET', '/v1/settings', { key: h.key('operator') })).body.effective.paymentMaxAttempts).toBe(3);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'settings', true);
  });

  test('console › a seller’s party page › its fee and capture setting are validated, saved and audited', async () => {
    const seller = h.parties.seller;
    await page.getByRole('link', { name: 'Parties' }).click();
    await page.getByLabel('Show role').selectOption('seller');
    await page.getByRole('link', { name: seller.name, exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Fee schedule and capture' }).waitFor(WAIT);
    await page.getByLabel('A fee of its own').check();
    await page.getByLabel('Fee (basis points)').fill('20000');
    await page.getByLabel('Fixed fee (minor units)').fill('30');
    await page.getByRole('button', { name: 'Save fee and capture' }).click();
    await page.getByRole('alert').filter({ hasText: 'from 0 to 10000' }).waitFor(WAIT);
    expect((await h.api('GET', '/v1/settings', { key: h.key('operator') })).body.settings.sellers[seller.id]).toBe(
      undefined,
    );

    await page.getByLabel('Fee (basis points)').fill('120');
    await page.getByLabel('Capture', { exact: true }).selectOption('ON_SHIPMENT');
    await page.getByRole('button', { name: 'Save fee and capture' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 2' }).waitFor(WAIT);
    const audit = page.getByRole('region', { name: 'Seller settings audit, scrollable table' });
    await audit.getByText('fee.bps').waitFor(WAIT);
    expect(await audit.innerText()).toContain(h.parties.operator.id);
    const stored = await h.api('GET', '/v1/settings', { key: h.key('operator') });
    expect(stored.body.settings.sellers[seller.id]).toEqual({
      fee: { bps: 120, fixedMinor: 30 },
      capture: 'ON_SHIPMENT',
    });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'party-seller', true);
  });

  test('console › attention queue › opens, and sign-out ends the session', async () => {
    await page.getByRole('link', { name: 'Needs attention' }).click();
    await page.getByRole('heading', { level: 1, name: 'Needs attention' }).waitFor(WAIT);
    await page.getByText('No order needs attention.').waitFor(WAIT);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'attention');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor(WAIT);
    const cookies = await page.context().cookies();
    expect(cookies.filter((cookie) => cookie.name === 'sf_session')).toEqual([]);
  });

  test('console › seller signs in › sees only its orders and no operator page', async () => {
    const seller = await newPage();
    await signIn(seller, 'seller');
    await seller.getByRole('link', { name: paid.orderId }).waitFor(WAIT);
    expect(await seller.getByRole('link', { name: otherSellers.orderId }).count()).toBe(0);
    const nav = await seller.getByRole('navigation', { name: 'Main' }).innerText();
    expect(nav).toContain('Orders');
    expect(nav).not.toMatch(/Parties|Monitoring|Settings/);
    await seller.goto(`${h.baseUrl}/console/parties`);
    await seller.getByRole('heading', { level: 1, name: 'Not found' }).waitFor(WAIT);

    await seller.goto(`${h.baseUrl}/console/orders/${paid.orderId}`);
    await seller.getByRole('heading', { level: 2, name: 'Timeline' }).waitFor(WAIT);
    expect(await seller.getByRole('link', { name: /Open in Temporal UI/ }).count()).toBe(0);
    await seller
      .getByRole('region', { name: 'Ledger journals, scrollable table' })
      .getByRole('rowheader', { name: /^Authorization/ })
      .waitFor(WAIT);
    expect(await seriousViolations(seller)).toEqual([]);
    await screenshot(seller, 'seller-order-detail');
  });

  test('console › supplier signs in › its inbox lists the inquiry still waiting for its answer', async () => {
    const supplier = await newPage();
    await signIn(supplier, 'supplier');
    await supplier.getByRole('link', { name: 'Inbox' }).click();
    await supplier.getByLabel('Only inquiries still waiting for my answer').check();
    await supplier.getByRole('link', { name: otherSellers.orderId }).waitFor(WAIT);
    // The list refreshes after the filter changes: wait for the answered order to leave it (or time out and fail).
    await supplier
      .getByRole('link', { name: paid.orderId })
      .first()
      .waitFor({ ...WAIT, state: 'detached' });
    expect(await supplier.getByRole('link', { name: paid.orderId }).count()).toBe(0);
    expect(await seriousViolations(supplier)).toEqual([]);
    await screenshot(supplier, 'inbox');
  });

  test('console › on a phone-sized screen › the orders page has no serious accessibility violation', async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone, 'operator');
    await phone.getByRole('link', { name: paid.orderId }).waitFor(WAIT);
    expect(await seriousViolations(phone)).toEqual([]);
    await screenshot(phone, 'orders-phone');
  });

  test('console › every page visited › left no error in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
