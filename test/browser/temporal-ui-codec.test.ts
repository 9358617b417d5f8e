// Temporal UI with the codec endpoint, in headless Chromium (Debian's package, see scripts/lib/ensure-chromium.js): the
// embedded UI of the run's dev server, an order placed over HTTP, the operator signed in to the API (the console's
// sign-in call, which sets the session cookie), and the UI's codec settings made as an operator makes them (README,
// Operations): browser endpoint = the API's /v1/codec, "Include cross-origin credentials" on. The order's input shows
// decoded for the operator; for a seller signed in the same way, and for nobody signed in, it does not.

import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { orderWorkflowId } from '../../src/contracts/order-contract';
import type { ApiHarness, CastMember } from '../support/harness';
import { startApiHarness } from '../support/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('../../scripts/lib/ensure-chromium') as { ensureChromium: () => string };

jest.setTimeout(180_000);

const uiUrl = process.env.TEMPORAL_UI_URL;
let h: ApiHarness;
let browser: Browser;
const contexts: BrowserContext[] = [];
let orderId: string;
let secretLine: string;

beforeAll(async () => {
  if (!uiUrl) throw new Error('TEMPORAL_UI_URL is not set: run through jest with its own dev server');
  h = await startApiHarness({ TEMPORAL_UI_ORIGIN: new URL(uiUrl).origin });
  secretLine = `Geheimweg ${randomUUID().slice(0, 8)}`;
  const order = await h.placeOrder({
    shipTo: { name: 'Halle 9', line1: secretLine, city: 'Augsburg', postalCode: '86150', country: 'DE' },
  });
  orderId = order.orderId;
  await h.waitForStatus(orderId, 'AWAITING_SUPPLIER');
  browser = await chromium.launch({
    executablePath: ensureChromium(),
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await h?.close();
});

/** A browser signed in to the API as `member` (or nobody), with Temporal UI's codec settings made as an operator does. */
async function uiSession(member: CastMember | undefined): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1400 } });
  contexts.push(context);
  if (member) {
    // What the console's sign-in form does: POST /v1/session, which answers the HttpOnly session cookie.
    const signIn = await context.request.post(`${h.baseUrl}/v1/session`, { data: { apiKey: h.key(member) } });
    expect(signIn.status()).toBe(201);
  }
  const page = await context.newPage();
  await page.goto(`${uiUrl}/namespaces/default/workflows`);
  await page.locator('[data-testid^="data-encoder-status"]').click();
  await page.getByRole('button', { name: 'Use Cluster-level setting,' }).click();
  await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
  await page.locator('#data-encoder-endpoint-input').fill(`${h.baseUrl}/v1/codec`);
  // By keyboard: the UI's sticky top bar lies over the lower part of the settings drawer.
  await page.locator('#pass-access-credentials').focus();
  await page.keyboard.press('Space');
  expect(await page.locator('#pass-access-credentials').isChecked()).toBe(true);
  await page.getByRole('button', { name: 'Apply' }).focus();
  await page.keyboard.press('Enter');
  return page;
}

/** Opens the order's workflow in Temporal UI and answers the page's text once the UI has had the codec's answer. */
async function workflowPageText(page: Page): Promise<string> {
  const decoded = page.waitForResponse((response) => response.url().startsWith(`${h.baseUrl}/v1/codec/decode`), {
    timeout: 60_000,
  });
  await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(orderWorkflowId(orderId))}`);
  await decoded;
  await page.getByText('Input', { exact: true }).first().waitFor({ state: 'attached', timeout: 30_000 });
  return page.locator('body').innerText();
}

describe('Temporal UI with the codec endpoint', () => {
  it("an operator signed in › the order workflow's page › shows the decoded input (the address in clear)", async () => {
    const page = await uiSession('operator');

    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(orderWorkflowId(orderId))}`);

    await page.getByText(secretLine).first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(secretLine).count()).toBeGreaterThan(0);
  });

  it.each([
    ['a seller', 'seller' as const],
    ['nobody', undefined],
  ])('%s signed in › the same page › the codec refuses, the input stays sealed', async (_, member) => {
    const page = await uiSession(member);
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${h.baseUrl}/v1/codec/decode`)) answers.push(response.status());
    });

    const text = await workflowPageText(page);

    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === (member ? 403 : 401))).toBe(true);
    expect(text).toContain('Codec Server could not connect');
    expect(text).toContain('encryption-key-id'); // the input, shown as the sealed payload it is
    expect(text).not.toContain(secretLine);
  });
});
