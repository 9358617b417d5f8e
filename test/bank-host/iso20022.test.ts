// The bank host's ISO 20022 channel on the real process: direct debits (pacs.003, pain.008) and credit transfers
// (pacs.008) answered at once with a pacs.002 (ACSP or RJCT), then after the clearing period settled (ACSC) or
// returned (pacs.004 with the reason); every document the bank host produces validates against the official XSD.

import {
  buildCreditTransferBatch,
  buildDirectDebitInitiation,
  buildInterbankDirectDebitBatch,
  parsePaymentReturn,
  parsePaymentStatusReport,
} from '../../src/iso20022';
import { ibanOf } from '../../src/bank-host/domain/accounts';
import { fetchIso20022Reports, postIso20022Document } from '../../src/gateway/iso20022-channel-client';
import { validateAgainstXsd } from '../support/iso20022-xsd';
import { accountView, bankHost, channelHeaders, control } from './support';

interface Report {
  message: 'pacs.002.001.11' | 'pacs.004.001.10';
  status: string;
  endToEndId?: string;
  reason?: string;
  xml: string;
}

const BIC = 'SFBKDEFFXXX';
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const today = () => new Date().toISOString().slice(0, 10);
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`.toUpperCase();

async function openIban(kind: string, balance: number, returnReason?: string): Promise<{ id: string; iban: string }> {
  const iban = ibanOf('DE', `99999999${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
  const account = await control<{ id: string }>('POST', '/v1/accounts', {
    kind,
    iban,
    balances: { EUR: balance },
    ...(returnReason === undefined ? {} : { returnReason }),
  });
  return { id: account.id, iban };
}

async function post(xml: string): Promise<Response> {
  return fetch(`${bankHost.iso20022Url}/iso20022/messages`, {
    method: 'POST',
    headers: channelHeaders('application/xml'),
    body: xml,
  });
}

async function reportsOf(messageId: string): Promise<Report[]> {
  const response = await fetch(`${bankHost.iso20022Url}/iso20022/messages/${encodeURIComponent(messageId)}/reports`, {
    headers: channelHeaders(),
  });
  return ((await response.json()) as { reports: Report[] }).reports;
}

/** Polls the reports until `count` are there: the clearing period is a second in tests. */
async function reportsWhenCleared(messageId: string, count: number): Promise<Report[]> {
  for (;;) {
    const reports = await reportsOf(messageId);
    if (reports.length >= count) return reports;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function directDebits(
  messageId: string,
  creditorIban: string,
  debits: Array<{ e2e: string; iban: string; amount: number }>,
) {
  return buildInterbankDirectDebitBatch({
    messageId,
    createdAt: now(),
    settlementDate: today(),
    settlementMethod: 'CLRG',
    transactions: debits.map((debit) => ({
      endToEndId: debit.e2e,
      amount: { amount: debit.amount, currency: 'EUR' },
      chargeBearer: 'SLEV',
      creditor: { name: 'settleflow gateway' },
      creditorAccount: { iban: creditorIban },
      creditorAgent: { bic: BIC },
      debtor: { name: 'Customer' },
      debtorAccount: { iban: debit.iban },
      debtorAgent: { bic: BIC },
    })),
  });
}

async function validAll(reports: Report[]): Promise<void> {
  for (const report of reports) {
    const validation = await validateAgainstXsd(report.message, [report.xml]);
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
  }
}

describe('bank host ISO 20022 › pacs.003 direct debits', () => {
  it('one funded, one without funds, one closed, one unknown › ACSP/RJCT at once, then ACSC, AM04, AC04; books move once', async () => {
    const creditor = await openIban('settlement', 0);
    const funded = await openIban('current', 10_000);
    const empty = await openIban('current', 0);
    const closed = await openIban('current', 10_000, 'AC04');
    const unknownIban = ibanOf('DE', '999999990000000000');
    const messageId = `DD${unique()}`;
    const xml = directDebits(messageId, creditor.iban, [
      { e2e: `${messageId}-1`, iban: funded.iban, amount: 2_500 },
      { e2e: `${messageId}-2`, iban: empty.iban, amount: 2_500 },
      { e2e: `${messageId}-3`, iban: closed.iban, amount: 2_500 },
      { e2e: `${messageId}-4`, iban: unknownIban, amount: 2_500 },
    ]);
    const response = await post(xml);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/xml');
    const immediate = parsePaymentStatusReport(await response.text());
    expect(immediate.groups[0]).toEqual(expect.objectContaining({ originalMessageId: messageId, status: 'PART' }));
    expect(immediate.transactions.map((tx) => tx.status)).toEqual(['ACSP', 'ACSP', 'ACSP', 'RJCT']);
    expect(immediate.transactions[3]!.reasons).toEqual([{ code: 'AC01' }]);

    const reports = await reportsWhenCleared(messageId, 4);
    await validAll(reports);
    const byEndToEnd = new Map(reports.slice(1).map((report) => [report.endToEndId, report]));
    expect(byEndToEnd.get(`${messageId}-1`)).toEqual(
      expect.objectContaining({ message: 'pacs.002.001.11', status: 'ACSC' }),
    );
    const returned = byEndToEnd.get(`${messageId}-2`)!;
    expect(returned).toEqual(expect.objectContaining({ message: 'pacs.004.001.10', reason: 'AM04' }));
    expect(parsePaymentReturn(returned.xml).transactions[0]!.reasons).toEqual([{ code: 'AM04' }]);
    expect(byEndToEnd.get(`${messageId}-3`)).toEqual(expect.objectContaining({ reason: 'AC04' }));

    expect((await accountView(funded.id)).balances.EUR).toBe(7_500);
    expect((await accountView(empty.id)).balances.EUR ?? 0).toBe(0);
    expect((await accountView(closed.id)).balances.EUR).toBe(10_000);
    expect((await accountView(creditor.id)).balances.EUR).toBe(2_500);
  });

  it('the same message posted again › the same pacs.002, and nothing is taken in twice', async () => {
    const creditor = await openIban('settlement', 0);
    const debtor = await openIban('current', 10_000);
    const messageId = `DD${unique()}`;
    const xml = directDebits(messageId, creditor.iban, [{ e2e: `${messageId}-1`, iban: debtor.iban, amount: 1_000 }]);
    const [first, second] = await Promise.all([post(xml), post(xml)]);
    const [firstXml, secondXml] = [await first.text(), await second.text()];
    expect(secondXml).toBe(firstXml);
    await reportsWhenCleared(messageId, 2);
    expect((await accountView(debtor.id)).balances.EUR).toBe(9_000);
    expect(
      (await control<{ transactions: unknown[] }>('GET', `/v1/transactions?messageId=${messageId}`)).transactions,
    ).toHaveLength(2);
  });

  it('an end-to-end id already taken in another message › RJCT AM05', async () => {
    const creditor = await openIban('settlement', 0);
    const debtor = await openIban('current', 10_000);
    const e2e = `E2E${unique()}`;
    await post(directDebits(`DD${unique()}`, creditor.iban, [{ e2e, iban: debtor.iban, amount: 1_000 }]));
    const again = parsePaymentStatusReport(
      await (
        await post(directDebits(`DD${unique()}`, creditor.iban, [{ e2e, iban: debtor.iban, amount: 1_000 }]))
      ).text(),
    );
    expect(again.transactions[0]).toEqual(expect.objectContaining({ status: 'RJCT', reasons: [{ code: 'AM05' }] }));
  });
});

describe('bank host ISO 20022 › pain.008 and pacs.008', () => {
  it('pain.008 › accepted, then settled from the debtor to the creditor of the block', async () => {
    const creditor = await openIban('settlement', 0);
    const debtor = await openIban('current', 5_000);
    const messageId = `PN${unique()}`;
    const xml = buildDirectDebitInitiation({
      messageId,
      createdAt: now(),
      initiatingParty: { name: 'settleflow gateway' },
      paymentInformation: [
        {
          paymentInformationId: `${messageId}-B1`,
          requestedCollectionDate: today(),
          creditor: { name: 'settleflow gateway' },
          creditorAccount: { iban: creditor.iban },
          creditorAgent: { bic: BIC },
          transactions: [
            {
              endToEndId: `${messageId}-1`,
              amount: { amount: 1_234, currency: 'EUR' },
              debtor: { name: 'Customer' },
              debtorAccount: { iban: debtor.iban },
              debtorAgent: { bic: BIC },
            },
          ],
        },
      ],
    });
    expect(parsePaymentStatusReport(await (await post(xml)).text()).groups[0]!.status).toBe('ACSP');
    const reports = await reportsWhenCleared(messageId, 2);
    await validAll(reports);
    expect(reports[1]!.status).toBe('ACSC');
    expect((await accountView(debtor.id)).balances.EUR).toBe(3_766);
    expect((await accountView(creditor.id)).balances.EUR).toBe(1_234);
  });

  it('pacs.008 payout › settled to the merchant; to a closed merchant account › returned AC04', async () => {
    const settlement = await openIban('settlement', 0);
    const merchant = await openIban('merchant', 0);
    const closedMerchant = await openIban('merchant', 0, 'AC04');
    const messageId = `CT${unique()}`;
    const transfer = (e2e: string, iban: string) => ({
      endToEndId: e2e,
      amount: { amount: 9_000, currency: 'EUR' },
      chargeBearer: 'SLEV' as const,
      debtor: { name: 'settleflow gateway' },
      debtorAccount: { iban: settlement.iban },
      debtorAgent: { bic: BIC },
      creditor: { name: 'Seller' },
      creditorAccount: { iban },
      creditorAgent: { bic: BIC },
    });
    const xml = buildCreditTransferBatch({
      messageId,
      createdAt: now(),
      settlementDate: today(),
      settlementMethod: 'CLRG',
      transactions: [transfer(`${messageId}-1`, merchant.iban), transfer(`${messageId}-2`, closedMerchant.iban)],
    });
    expect(parsePaymentStatusReport(await (await post(xml)).text()).groups[0]!.status).toBe('ACSP');
    const reports = await reportsWhenCleared(messageId, 3);
    await validAll(reports);
    expect(reports.slice(1).map((report) => [report.endToEndId, report.status, report.reason])).toEqual(
      expect.arrayContaining([
        [`${messageId}-1`, 'ACSC', undefined],
        [`${messageId}-2`, 'RETURNED', 'AC04'],
      ]),
    );
    expect((await accountView(merchant.id)).balances.EUR).toBe(9_000);
    expect((await accountView(closedMerchant.id)).balances.EUR ?? 0).toBe(0);
    expect((await accountView(settlement.id)).balances.EUR).toBe(-9_000);
  });
});

describe('bank host ISO 20022 › refusals', () => {
  it.each([
    ['not XML', 'hello', 'malformed_xml'],
    [
      'another message (camt.053)',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>',
      undefined,
    ],
    ['an unknown namespace', '<Document xmlns="urn:example"><X/></Document>', undefined],
  ])('%s › 400 with an error code, nothing taken in', async (_name, body, code) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; type: string } };
    expect(error.type).toBe('invalid_request_error');
    if (code !== undefined) expect(error.code).toBe(code);
  });

  it('a message never received › 404 on its reports', async () => {
    const response = await fetch(`${bankHost.iso20022Url}/iso20022/messages/NEVER${unique()}/reports`, {
      headers: channelHeaders(),
    });
    expect(response.status).toBe(404);
  });
});

describe('bank host ISO 20022 › the caller', () => {
  const debitOf = async (messageId: string) => {
    const creditor = await openIban('settlement', 0);
    const funded = await openIban('current', 10_000);
    return {
      funded,
      xml: directDebits(messageId, creditor.iban, [{ e2e: `${messageId}-1`, iban: funded.iban, amount: 500 }]),
    };
  };

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-gateways-token-at-all' }],
    ['the admin token (another credential)', { authorization: `Bearer ${bankHost.adminToken}` }],
    ['the token without its scheme', { authorization: bankHost.iso20022Token }],
  ])('%s › 401 unauthorized; the message is not taken and nothing moves', async (_name, auth) => {
    const messageId = `DD${unique()}`;
    const { funded, xml } = await debitOf(messageId);
    const refused = await fetch(`${bankHost.iso20022Url}/iso20022/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...auth },
      body: xml,
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const reports = await fetch(`${bankHost.iso20022Url}/iso20022/messages/${messageId}/reports`, { headers: auth });
    expect(reports.status).toBe(401);
    const statements = await fetch(`${bankHost.iso20022Url}/iso20022/statements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ iban: funded.iban, currency: 'EUR', date: today() }),
    });
    expect(statements.status).toBe(401);
    // With the gateway's token: the message was never received, and the debtor's balance never moved.
    expect(
      (await fetch(`${bankHost.iso20022Url}/iso20022/messages/${messageId}/reports`, { headers: channelHeaders() }))
        .status,
    ).toBe(404);
    expect((await accountView(funded.id)).balances.EUR).toBe(10_000);
  });

  it('/health › answers without a token', async () => {
    expect((await fetch(`${bankHost.iso20022Url}/health`)).status).toBe(200);
  });

  it('the gateway with a wrong token › a submission is refused for good (nothing taken), a report read is retried', async () => {
    const messageId = `DD${unique()}`;
    const { xml } = await debitOf(messageId);
    const settings = {
      iso20022Url: bankHost.iso20022Url,
      iso20022Token: 'a-token-the-bank-never-issued',
      requestTimeoutMs: 5_000,
    };
    await expect(postIso20022Document(settings, xml, `pacs.003 ${messageId}`)).rejects.toMatchObject({
      code: 'bank_refused',
      retryable: false,
      message: expect.stringContaining('BANK_HOST_ISO20022_TOKEN'),
    });
    // Reports of a message the bank may have taken: retried (then an operator's), never taken as an answer.
    await expect(fetchIso20022Reports(settings, messageId)).rejects.toMatchObject({
      code: 'outcome_unknown',
      retryable: true,
      message: expect.stringContaining('BANK_HOST_ISO20022_TOKEN'),
    });
    // The same document with the right token is taken.
    const taken = await postIso20022Document({ ...settings, iso20022Token: bankHost.iso20022Token }, xml, 'pacs.003');
    expect(parsePaymentStatusReport(taken).transactions.map((tx) => tx.status)).toEqual(['ACSP']);
  });
});
