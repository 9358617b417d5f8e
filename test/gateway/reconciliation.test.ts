// Reconciliation on real servers: the API (operators), the gateway worker (Temporal dev server), FerretDB and the bank
// host process. The test opens a settlement account of its own at the bank for an acquirer of its own, so its statement
// holds this test's lines only; then it seeds a day with one known break of every class (a card payment through the
// gateway that matches; bank and ledger amounts that differ; a journal the bank never booked; a bank line the ledger
// never booked; a reference the bank booked twice; a journal of yesterday the bank booked today) and checks that the
// reconciliation finds exactly those, that the correction rules keep the ledger balanced with named accounts and
// amounts, that the real run does what the dry run showed, that the queue is worked with an audit trail, and that a
// seller gets 403 on every route. Every camt.053 the bank host produces for the day validates against the XSD.

import { randomUUID } from 'node:crypto';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { RECONCILIATION_ROUTES } from '../../src/api/reconciliation-routes';
import { accountBalances, trialBalance } from '../../src/domain/ledger';
import { rrnFor } from '../../src/gateway/bank-connector/card-client';
import { ensureReconciliationSchedule } from '../../src/gateway/reconciliation/schedule';
import { reconciliationRunId } from '../../src/gateway/reconciliation/store';
import { financialRequest, authorizationRequest, stringField } from '../../src/iso8583';
import { parseBankStatement } from '../../src/iso20022';
import type { LedgerJournalRecord } from '../../src/persistence/database';
import { postJournal } from '../../src/persistence/ledger-store';
import type { ApiHarness, Json } from '../support/harness';
import { startApiHarness } from '../support/harness';
import { validateAgainstXsd } from '../support/iso20022-xsd';
import {
  IsoClient,
  authorization,
  bankHost,
  captureMessage,
  channelHeaders,
  codeOf,
  control,
  openCard,
} from '../bank-host/support';

const DAY = new Date().toISOString().slice(0, 10);
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const ACQUIRER = String(60_000_000 + Math.floor(Math.random() * 1_000_000));
const IBAN = ibanOf('DE', `66666666${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
const run = randomUUID().slice(0, 8);
const paymentId = (name: string) => `payment-recon-${run}-${name}-1`;
const rrnOf = (name: string) => rrnFor(`${paymentId(name)}:authorization`);

let h: ApiHarness;
let iso: IsoClient;
let pan: string;

/** A capture journal as the gateway books it: clearing debited, the seller's payable credited. */
async function ledgerCapture(name: string, amount: number, at = new Date().toISOString()): Promise<void> {
  await postJournal(h.db, {
    journalId: `${paymentId(name)}:capture`,
    orderId: `recon-${run}-${name}`,
    kind: 'CAPTURE',
    at,
    legs: [
      { account: 'gateway:clearing', direction: 'DEBIT', amount: { amount, currency: 'EUR' } },
      { account: `seller:recon-${run}:payable`, direction: 'CREDIT', amount: { amount, currency: 'EUR' } },
    ],
  });
}

/** A purchase at the bank (0200) under a payment's RRN, for this test's acquirer. */
async function bankPurchase(name: string, amount: number): Promise<void> {
  const request = {
    ...authorization(pan, amount, { acquirerId: ACQUIRER, rrn: rrnOf(name) }),
    transactionType: 'purchase' as const,
  };
  expect(codeOf(await iso.request(financialRequest.toIso8583(request)))).toBe('00');
}

async function runDay(day: string): Promise<Json> {
  const started = await h.api('POST', '/v1/reconciliation/runs', { key: h.key('operator'), body: { day } });
  expect([200, 202]).toContain(started.status);
  const runId = started.body.runId as string;
  for (let i = 0; i < 600; i += 1) {
    const got = await h.api('GET', `/v1/reconciliation/runs/${runId}`, { key: h.key('operator') });
    if (got.status === 200 && got.body.status !== 'RUNNING') return got.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`reconciliation ${runId} did not finish`);
}

async function items(runId: string): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.api(
      'GET',
      `/v1/reconciliation/runs/${runId}/items?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      {
        key: h.key('operator'),
      },
    );
    expect(page.status).toBe(200);
    all.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
}

async function allJournals(): Promise<LedgerJournalRecord[]> {
  return h.db.ledger.find({}).lean<LedgerJournalRecord[]>();
}

beforeAll(async () => {
  await control('POST', '/v1/accounts', { kind: 'settlement', iban: IBAN, acquirerId: ACQUIRER, balances: { EUR: 0 } });
  h = await startApiHarness({
    GATEWAY_SETTLEMENT_IBAN: IBAN,
    BANK_ACQUIRER_ID: ACQUIRER,
    RECONCILIATION_TIMING_WINDOW_DAYS: '1',
  });
  iso = await IsoClient.connect();
  pan = (await openCard(1_000_000)).pan;

  // MATCHED: a card payment through the gateway (its 0200 and its capture journal).
  const card = { number: pan, expMonth: 12, expYear: new Date().getUTCFullYear() + 3 };
  const paid = await h.gateway.payments.authorize({
    orderId: `recon-${run}-matched`,
    attempt: 1,
    sellerId: `recon-${run}`,
    amount: { amount: 1_000, currency: 'EUR' },
    captureMode: 'immediate',
    sealedCard: h.vault.seal(JSON.stringify(card)),
  });
  expect(paid.status).toBe('succeeded');
  // MATCHED: an electronic check through the gateway (a pacs.003 the bank settles after its clearing period).
  const customer = ibanOf('DE', `55555555${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
  await control('POST', '/v1/accounts', { kind: 'current', iban: customer, balances: { EUR: 100_000 } });
  const echeckOrder = `recon-${run}-echeck`;
  const submitted = await h.gateway.echecks.submit({
    orderId: echeckOrder,
    attempt: 1,
    sellerId: `recon-${run}`,
    amount: { amount: 1_500, currency: 'EUR' },
    sealedInstrument: h.vault.seal(JSON.stringify({ method: 'echeck', iban: customer, accountHolder: 'Globex' })),
  });
  expect(submitted.summary.status).toBe('processing');
  for (let i = 0; ; i += 1) {
    try {
      expect((await h.gateway.echecks.settle(`payment-${echeckOrder}-1`)).status).toBe('succeeded');
      break;
    } catch (error) {
      if (i > 100 || !/clearing/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  // AMOUNT_MISMATCH: the bank took 2003, the ledger booked 2000.
  await bankPurchase('mismatch', 2_003);
  await ledgerCapture('mismatch', 2_000);
  // MISSING_IN_BANK: a journal the bank never booked.
  await ledgerCapture('nobank', 3_000);
  // MISSING_IN_LEDGER: a purchase the ledger never booked.
  await bankPurchase('noledger', 4_000);
  // DUPLICATE: the bank booked the reference twice (a purchase and a captured authorization under one RRN).
  await bankPurchase('duplicate', 500);
  const auth = authorization(pan, 500, { acquirerId: ACQUIRER, rrn: rrnOf('duplicate') });
  const authorized = await iso.request(authorizationRequest.toIso8583(auth));
  expect(codeOf(authorized)).toBe('00');
  expect(codeOf(await iso.request(captureMessage(auth, stringField(authorized, 38)!, 500)))).toBe('00');
  await ledgerCapture('duplicate', 500);
  // TIMING: booked by the ledger yesterday just before midnight, by the bank today.
  await ledgerCapture('timing', 600, `${YESTERDAY}T23:59:59.000Z`);
  await bankPurchase('timing', 600);
}, 180_000);

afterAll(async () => {
  iso?.close();
  await h?.close();
});

const RULES = [
  { id: 'timing-1-day', class: 'TIMING', action: 'ACCEPT', maxDays: 1 },
  {
    id: 'small-differences',
    class: 'AMOUNT_MISMATCH',
    action: 'ADJUST',
    toleranceMinor: 5,
    currency: 'EUR',
    account: 'gateway:recon-differences',
  },
  { id: 'duplicates', class: 'DUPLICATE', action: 'REVERSE', account: 'gateway:duplicates-due' },
];

describe('reconciliation › a seeded day with a break of every class', () => {
  it('camt.053 › the day’s statement of the settlement account › XSD-valid, this test’s lines only', async () => {
    const response = await fetch(`${bankHost.iso20022Url}/iso20022/statements`, {
      method: 'POST',
      headers: channelHeaders('application/json'),
      body: JSON.stringify({ iban: IBAN, currency: 'EUR', date: DAY }),
    });
    const xml = await response.text();
    expect((await validateAgainstXsd('camt.053.001.08', [xml])).errors).toEqual([]);
    const rrns = parseBankStatement(xml).statements[0]!.entries.map((entry) => entry.transactions?.[0]?.transactionId);
    expect(rrns.sort()).toEqual(
      [
        rrnOf('matched'),
        rrnOf('mismatch'),
        rrnOf('noledger'),
        rrnOf('duplicate'),
        rrnOf('duplicate'),
        rrnOf('timing'),
      ].sort(),
    );
  });

  it('schedule › created twice (then updated), triggered › reconciles yesterday as the day’s run', async () => {
    const options = { iban: IBAN, cron: '30 0 * * *', taskQueue: h.config.gateway.taskQueue };
    const scheduleId = await ensureReconciliationSchedule(h.client, options);
    expect(await ensureReconciliationSchedule(h.client, { ...options, cron: '45 0 * * *' })).toBe(scheduleId);
    const handle = h.client.schedule.getHandle(scheduleId);
    try {
      expect((await handle.describe()).spec.calendars?.[0]?.minute).toEqual([{ start: 45, end: 45, step: 1 }]);
      await handle.trigger();
      const runId = reconciliationRunId(YESTERDAY, IBAN);
      for (let i = 0; ; i += 1) {
        const got = await h.api('GET', `/v1/reconciliation/runs/${runId}`, { key: h.key('operator') });
        if (got.status === 200 && got.body.status === 'COMPLETED') break;
        if (i > 600) throw new Error(`the scheduled run ${runId} did not complete`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await handle.delete();
    }
  });

  it('yesterday › the journal the bank booked today › exactly one TIMING break, nothing else', async () => {
    const result = await runDay(YESTERDAY);
    expect(result.status).toBe('COMPLETED');
    expect(result.counts).toEqual({
      MATCHED: 0,
      AMOUNT_MISMATCH: 0,
      MISSING_IN_BANK: 0,
      MISSING_IN_LEDGER: 0,
      DUPLICATE: 0,
      TIMING: 1,
    });
    const [timing] = await items(result.runId);
    expect(timing).toMatchObject({
      class: 'TIMING',
      key: `rrn:${rrnOf('timing')}`,
      ledgerAmountMinor: 600,
      bankAmountMinor: 600,
      otherDay: DAY,
      journalId: `${paymentId('timing')}:capture`,
    });
  });

  it('today › reconciliation › finds exactly the seeded breaks, and the 0500 totals disagree by the bank-only lines', async () => {
    const result = await runDay(DAY);
    expect(result.status).toBe('COMPLETED');
    expect(result.counts).toEqual({
      MATCHED: 4,
      AMOUNT_MISMATCH: 1,
      MISSING_IN_BANK: 1,
      MISSING_IN_LEDGER: 1,
      DUPLICATE: 1,
      TIMING: 0,
    });
    const all = await items(result.runId);
    const echeckItems = all.filter((item) => item.key.startsWith('e2e:'));
    expect(echeckItems).toEqual([
      expect.objectContaining({
        class: 'MATCHED',
        kind: 'echeck_collection',
        key: expect.stringMatching(/^e2e:DD[0-9A-F]{30}-1$/),
        bankAmountMinor: 1_500,
        ledgerAmountMinor: 1_500,
      }),
    ]);
    const found = all
      .filter((item) => !item.key.startsWith('e2e:'))
      .map((item) => [item.class, item.key, item.bankAmountMinor, item.ledgerAmountMinor]);
    expect(found.sort()).toEqual(
      [
        ['MATCHED', `rrn:${rrnOf('matched')}`, 1_000, 1_000],
        ['AMOUNT_MISMATCH', `rrn:${rrnOf('mismatch')}`, 2_003, 2_000],
        ['MISSING_IN_BANK', `rrn:${rrnOf('nobank')}`, undefined, 3_000],
        ['MISSING_IN_LEDGER', `rrn:${rrnOf('noledger')}`, 4_000, undefined],
        ['MATCHED', `rrn:${rrnOf('duplicate')}`, 500, 500],
        ['DUPLICATE', `rrn:${rrnOf('duplicate')}`, 500, undefined],
        ['MATCHED', `rrn:${rrnOf('timing')}`, 600, 600],
      ].sort(),
    );
    const [totals] = result.totals;
    expect(totals.currency).toBe('EUR');
    expect(totals.gateway.debits).toEqual({ count: 4, reversalCount: 0, amount: 6_500, reversalAmount: 0 });
    expect(totals.bank.debits).toEqual({ count: 6, reversalCount: 0, amount: 8_603, reversalAmount: 0 });
    expect(totals.settlementCode).toBe('out_of_balance');
    // A second start answers the same run (a day runs once).
    const again = await h.api('POST', '/v1/reconciliation/runs', { key: h.key('operator'), body: { day: DAY } });
    expect(again.status).toBe(200);
    expect(again.body.counts).toEqual(result.counts);
    const open = await h.api('GET', `/v1/reconciliation/exceptions?runId=${result.runId}&status=OPEN`, {
      key: h.key('operator'),
    });
    expect(open.body.data.map((x: Json) => x.class).sort()).toEqual([
      'AMOUNT_MISMATCH',
      'DUPLICATE',
      'MISSING_IN_BANK',
      'MISSING_IN_LEDGER',
    ]);
  });

  it('rules › validated, versioned, audited; a stale version is refused', async () => {
    const bad = await h.api('POST', '/v1/reconciliation/rules', {
      key: h.key('operator'),
      body: { expectedVersion: 0, rules: [{ ...RULES[1], toleranceMinor: -1 }] },
    });
    expect(bad.status).toBe(400);
    const clearing = await h.api('POST', '/v1/reconciliation/rules', {
      key: h.key('operator'),
      body: { expectedVersion: 0, rules: [{ ...RULES[1], account: 'gateway:clearing' }] },
    });
    // A rule the schema cannot state (the clearing account itself) is 422, as the API answers such rules.
    expect(clearing.status).toBe(422);
    expect(clearing.body.error.param).toBe('rules.0.account');
    const saved = await h.api('POST', '/v1/reconciliation/rules', {
      key: h.key('operator'),
      body: { expectedVersion: 0, rules: RULES, comment: 'first rules' },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.version).toBe(1);
    const stale = await h.api('POST', '/v1/reconciliation/rules', {
      key: h.key('operator'),
      body: { expectedVersion: 0, rules: [] },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('rules_changed');
    const current = await h.api('GET', '/v1/reconciliation/rules', { key: h.key('operator') });
    expect(current.body).toMatchObject({ version: 1, rules: RULES, createdBy: h.parties.operator.id });
    const audit = await h.api('GET', '/v1/reconciliation/rules/audit', { key: h.key('operator') });
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({
      action: 'save',
      actor: h.parties.operator.id,
      before: { version: 0, rules: [] },
      after: { version: 1, rules: RULES },
    });
  });

  it('corrections › dry run, then apply › the applied plan is the dry run item by item; the ledger stays balanced', async () => {
    const runId = (await runDay(DAY)).runId as string;
    const before = await allJournals();
    const draft = await h.api('POST', `/v1/reconciliation/runs/${runId}/dry-run`, {
      key: h.key('operator'),
      body: { rules: [{ ...RULES[1], toleranceMinor: 2 }] },
    });
    expect(draft.status).toBe(200);
    expect(draft.body.entries.every((entry: Json) => entry.action === 'QUEUE')).toBe(true);
    const dry = await h.api('POST', `/v1/reconciliation/runs/${runId}/dry-run`, { key: h.key('operator') });
    expect(dry.status).toBe(200);
    expect((await allJournals()).length).toBe(before.length);
    const byClass = Object.fromEntries(dry.body.entries.map((entry: Json) => [entry.class, entry]));
    expect(byClass.AMOUNT_MISMATCH.action).toBe('ADJUST');
    expect(byClass.AMOUNT_MISMATCH.journal.legs).toEqual([
      { account: 'gateway:clearing', direction: 'DEBIT', amount: 3, currency: 'EUR' },
      { account: 'gateway:recon-differences', direction: 'CREDIT', amount: 3, currency: 'EUR' },
    ]);
    expect(byClass.DUPLICATE.action).toBe('REVERSE');
    expect(byClass.DUPLICATE.journal.legs).toEqual([
      { account: 'gateway:clearing', direction: 'DEBIT', amount: 500, currency: 'EUR' },
      { account: 'gateway:duplicates-due', direction: 'CREDIT', amount: 500, currency: 'EUR' },
    ]);
    expect(byClass.MISSING_IN_BANK.action).toBe('QUEUE');
    expect(byClass.MISSING_IN_LEDGER.action).toBe('QUEUE');

    const wrongDigest = await h.api('POST', `/v1/reconciliation/runs/${runId}/corrections`, {
      key: h.key('operator'),
      body: { digest: 'f'.repeat(64) },
    });
    expect(wrongDigest.status).toBe(409);
    expect(wrongDigest.body.error.code).toBe('plan_changed');
    // Two operators apply at once: the corrections happen once (one journal each, one audit record per break).
    const copies = await Promise.all(
      [0, 1].map(() =>
        h.api('POST', `/v1/reconciliation/runs/${runId}/corrections`, {
          key: h.key('operator'),
          body: { ruleSetVersion: 1, digest: dry.body.digest },
        }),
      ),
    );
    const applied = copies.find((copy) => copy.status === 200)!;
    expect(copies.every((copy) => copy.status === 200 || copy.body.error.code === 'plan_changed')).toBe(true);
    expect(applied.body.entries).toEqual(dry.body.entries);
    // What was done, break by break, is what the dry run showed.
    const corrections = await h.api('GET', `/v1/reconciliation/runs/${runId}/corrections`, { key: h.key('operator') });
    const done = corrections.body.data.map((c: Json) => [c.itemId, c.action, c.journal?.journalId]).sort();
    const shown = dry.body.entries
      .filter((entry: Json) => entry.action !== 'QUEUE')
      .map((entry: Json) => [entry.itemId, entry.action, entry.journal?.journalId])
      .sort();
    expect(done).toEqual(shown);
    for (const entry of dry.body.entries) {
      const exception = await h.api('GET', `/v1/reconciliation/exceptions/${encodeURIComponent(entry.itemId)}`, {
        key: h.key('operator'),
      });
      expect(exception.body.status).toBe(entry.action === 'QUEUE' ? 'OPEN' : 'RESOLVED');
      const trail = await h.api('GET', `/v1/reconciliation/exceptions/${encodeURIComponent(entry.itemId)}/audit`, {
        key: h.key('operator'),
      });
      expect(trail.body.data.filter((record: Json) => record.action === 'correct')).toHaveLength(
        entry.action === 'QUEUE' ? 0 : 1,
      );
      if (entry.journal) {
        const journal = await h.db.ledger.findOne({ _id: entry.journal.journalId }).lean<LedgerJournalRecord>();
        expect(journal).toMatchObject({
          kind: entry.journal.kind,
          legs: entry.journal.legs,
          correction: { breakId: entry.itemId, reason: entry.reason },
        });
        expect(exception.body.resolution).toMatchObject({
          by: 'rule',
          ruleSetVersion: 1,
          journalId: entry.journal.journalId,
        });
      }
    }
    // The ledger: balanced in every currency; the named accounts hold exactly the corrections.
    const journals = await allJournals();
    expect(journals.length).toBe(before.length + 2);
    for (const [, side] of trialBalance(journals)) expect(side.debits).toBe(side.credits);
    const balances = accountBalances(journals);
    expect(balances.get('gateway:recon-differences EUR')).toBe(-3);
    expect(balances.get('gateway:duplicates-due EUR')).toBe(-500);
    // Applying again posts nothing new: only the queued breaks are still open.
    const repeat = await h.api('POST', `/v1/reconciliation/runs/${runId}/corrections`, { key: h.key('operator') });
    expect(repeat.body.entries.map((entry: Json) => entry.action)).toEqual(['QUEUE', 'QUEUE']);
    expect((await allJournals()).length).toBe(journals.length);
    // Yesterday's timing break is accepted (booked one day later), with no journal.
    const yesterday = (await runDay(YESTERDAY)).runId as string;
    const accepted = await h.api('POST', `/v1/reconciliation/runs/${yesterday}/corrections`, {
      key: h.key('operator'),
    });
    expect(accepted.body.entries).toEqual([
      expect.objectContaining({ class: 'TIMING', action: 'ACCEPT', ruleId: 'timing-1-day' }),
    ]);
    expect((await allJournals()).length).toBe(journals.length);
  });

  it('exception queue › filter, page, assign, comment, resolve › audited with before and after; resolved is final', async () => {
    const first = await h.api('GET', `/v1/reconciliation/exceptions?status=OPEN&day=${DAY}&limit=1`, {
      key: h.key('operator'),
    });
    expect(first.body.data).toHaveLength(1);
    const second = await h.api(
      'GET',
      `/v1/reconciliation/exceptions?status=OPEN&day=${DAY}&limit=1&cursor=${first.body.nextCursor}`,
      { key: h.key('operator') },
    );
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].exceptionId).not.toBe(first.body.data[0].exceptionId);
    const badCursor = await h.api('GET', '/v1/reconciliation/exceptions?cursor=%%%', { key: h.key('operator') });
    expect(badCursor.status).toBe(422);

    const listed = await h.api('GET', `/v1/reconciliation/exceptions?class=MISSING_IN_LEDGER&day=${DAY}`, {
      key: h.key('operator'),
    });
    const id = encodeURIComponent(listed.body.data[0].exceptionId);
    // Two operators take the same break at once, both naming the version they read: one wins, the other gets 409.
    const takes = await Promise.all(
      ['ops-anna', 'ops-ben'].map((assignee) =>
        h.api('POST', `/v1/reconciliation/exceptions/${id}/assign`, {
          key: h.key('operator'),
          body: { assignee, version: listed.body.data[0].version },
        }),
      ),
    );
    expect(takes.map((take) => take.status).sort()).toEqual([200, 409]);
    const assigned = takes.find((take) => take.status === 200)!;
    expect(assigned.body).toMatchObject({ status: 'ASSIGNED', assignee: expect.stringMatching(/^ops-(anna|ben)$/) });
    const stale = await h.api('POST', `/v1/reconciliation/exceptions/${id}/comments`, {
      key: h.key('operator'),
      body: { text: 'late', version: listed.body.data[0].version },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('exception_changed');
    const commented = await h.api('POST', `/v1/reconciliation/exceptions/${id}/comments`, {
      key: h.key('operator'),
      body: { text: 'asked the bank for the slip' },
    });
    expect(commented.body.comments).toEqual([
      expect.objectContaining({ by: h.parties.operator.id, text: 'asked the bank for the slip' }),
    ]);
    const resolved = await h.api('POST', `/v1/reconciliation/exceptions/${id}/resolve`, {
      key: h.key('operator'),
      body: { action: 'WRITE_OFF', note: 'test purchase, written off' },
    });
    expect(resolved.body).toMatchObject({ status: 'RESOLVED', resolution: { by: 'operator', action: 'WRITE_OFF' } });
    const again = await h.api('POST', `/v1/reconciliation/exceptions/${id}/resolve`, {
      key: h.key('operator'),
      body: { action: 'NO_ACTION', note: 'again' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('exception_resolved');
    const audit = await h.api('GET', `/v1/reconciliation/exceptions/${id}/audit`, { key: h.key('operator') });
    expect(audit.body.data.map((entry: Json) => [entry.action, entry.before.status, entry.after.status])).toEqual([
      ['assign', 'OPEN', 'ASSIGNED'],
      ['comment', 'ASSIGNED', 'ASSIGNED'],
      ['resolve', 'ASSIGNED', 'RESOLVED'],
    ]);
    expect(audit.body.data.every((entry: Json) => entry.actor === h.parties.operator.id)).toBe(true);
  });

  it('a run for another settlement account › the worker refuses it at once › FAILED with the reason, not retried', async () => {
    const other = ibanOf('DE', '44444444' + '0000000001');
    const runId = reconciliationRunId(DAY, other);
    const result = await h.client.workflow.execute('reconciliationWorkflow', {
      taskQueue: h.config.gateway.taskQueue,
      workflowId: runId,
      args: [{ runId, day: DAY, iban: other }],
    });
    expect(result).toMatchObject({
      runId,
      status: 'FAILED',
      failure: expect.stringMatching(/another settlement account/),
    });
    const got = await h.api('GET', `/v1/reconciliation/runs/${runId}`, { key: h.key('operator') });
    expect(got.body).toMatchObject({ status: 'FAILED', failure: expect.stringMatching(/another settlement account/) });
    const history = await h.client.workflow.getHandle(runId).fetchHistory();
    const attempts = history.events?.filter((event) => event.activityTaskStartedEventAttributes?.attempt === 1) ?? [];
    expect(attempts.length).toBe(2);
  });

  it('every reconciliation route › a seller, a customer › 403, and nothing changes', async () => {
    const exceptionsBefore = await h.api('GET', '/v1/reconciliation/exceptions?limit=200', { key: h.key('operator') });
    for (const route of RECONCILIATION_ROUTES) {
      const path = route.path
        .replace('{runId}', `recon-${DAY}-00000000`)
        .replace('{exceptionId}', encodeURIComponent(exceptionsBefore.body.data[0].exceptionId));
      for (const member of ['seller', 'customer'] as const) {
        const answer = await h.api(route.method.toUpperCase(), path, {
          key: h.key(member),
          ...(route.method === 'post' ? { body: {} } : {}),
        });
        expect({ route: route.operationId, member, status: answer.status }).toEqual({
          route: route.operationId,
          member,
          status: 403,
        });
      }
    }
    const exceptionsAfter = await h.api('GET', '/v1/reconciliation/exceptions?limit=200', { key: h.key('operator') });
    expect(exceptionsAfter.body).toEqual(exceptionsBefore.body);
  });
});
