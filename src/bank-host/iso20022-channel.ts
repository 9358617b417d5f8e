// The bank host's ISO 20022 channel (HTTP, its own port): direct debits for electronic checks (pain.008, pacs.003)
// and credit transfers for payouts (pacs.008) come in; an immediate pacs.002 (ACSP, or RJCT with a reason) goes
// back; after the clearing period each accepted transaction settles (pacs.002 ACSC) or comes back (pacs.004 with the
// reason). Every report is built from the journal, so it is the same each time it is fetched and survives a restart.
// Never logs an IBAN in clear.

import { createHash } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { ParsedMessage } from '../iso20022';
import { Iso20022Error, buildPaymentReturn, buildPaymentStatusReport, maskIban, parseMessage } from '../iso20022';
import type { Bank } from './bank';
import type { TransferRequest } from './domain/book';
import type { TransferEntry } from './domain/journal';
import type { LogFunction } from './log';
import { bearerCheck } from './bearer';
import { statementPage } from './statement';

/** One report about an original message, as the channel serves it. */
export interface Iso20022Report {
  readonly message: 'pacs.002.001.11' | 'pacs.004.001.10';
  /** ACSP, RJCT or PART for the immediate report; ACSC or RETURNED (with `reason`) later. */
  readonly status: string;
  readonly endToEndId?: string;
  readonly reason?: string;
  readonly createdAt: string;
  readonly xml: string;
}

/** What the channel needs. */
export interface Iso20022ChannelOptions {
  readonly bank: Bank;
  readonly log: LogFunction;
  /** The bank's BIC, as the instructing agent of its reports. */
  readonly bic: string;
  /** How often due transfers are cleared (default: a quarter of a second). */
  readonly tickMs?: number;
  /** Most entries on one page of a camt.053 statement (default 500). */
  readonly statementPageSize?: number;
  /**
   * The bearer tokens a caller of `/iso20022/...` must present (BANK_HOST_ISO20022_TOKEN; several while one is
   * rotated). Only `/health` answers without one.
   */
  readonly tokens: readonly string[];
}

/** The channel's Express app and its clearing loop. */
export interface Iso20022Channel {
  readonly app: express.Express;
  /** Starts clearing due transfers. */
  start(): void;
  stop(): void;
}

const INBOUND = new Set(['pain.008.001.09', 'pacs.003.001.08', 'pacs.008.001.09']);

/** A Max35Text id derived from what it identifies, so a report rebuilt later carries the same id. */
function reportId(prefix: string, ...parts: string[]): string {
  return `${prefix}${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 30)}`;
}

/** The transfers of an inbound message. */
function transfersOf(parsed: ParsedMessage): { messageId: string; requests: TransferRequest[] } {
  switch (parsed.message) {
    case 'pacs.003.001.08': {
      const batch = parsed.document;
      return {
        messageId: batch.messageId,
        requests: batch.transactions.map((tx) => ({
          kind: 'direct_debit',
          messageId: batch.messageId,
          messageName: parsed.message,
          endToEndId: tx.endToEndId,
          ...(tx.instructionId === undefined ? {} : { instructionId: tx.instructionId }),
          amount: tx.amount.amount,
          currency: tx.amount.currency,
          debtorIban: tx.debtorAccount.iban,
          creditorIban: tx.creditorAccount.iban,
        })),
      };
    }
    case 'pain.008.001.09': {
      const initiation = parsed.document;
      return {
        messageId: initiation.messageId,
        requests: initiation.paymentInformation.flatMap((block) =>
          block.transactions.map((tx) => ({
            kind: 'direct_debit' as const,
            messageId: initiation.messageId,
            messageName: parsed.message,
            endToEndId: tx.endToEndId,
            ...(tx.instructionId === undefined ? {} : { instructionId: tx.instructionId }),
            amount: tx.amount.amount,
            currency: tx.amount.currency,
            debtorIban: tx.debtorAccount.iban,
            creditorIban: block.creditorAccount.iban,
          })),
        ),
      };
    }
    case 'pacs.008.001.09': {
      const batch = parsed.document;
      return {
        messageId: batch.messageId,
        requests: batch.transactions.map((tx) => ({
          kind: 'credit_transfer',
          messageId: batch.messageId,
          messageName: parsed.message,
          endToEndId: tx.endToEndId,
          ...(tx.instructionId === undefined ? {} : { instructionId: tx.instructionId }),
          amount: tx.amount.amount,
          currency: tx.amount.currency,
          debtorIban: tx.debtorAccount.iban,
          creditorIban: tx.creditorAccount.iban,
        })),
      };
    }
    default:
      throw new Iso20022Error('unsupported_message', `the bank host does not take ${parsed.message} documents`);
  }
}

/** The immediate pacs.002 about a message: the group's status and each transaction's (ACSP or RJCT). */
export function intakeReport(bic: string, intake: readonly TransferEntry[]): Iso20022Report {
  const first = intake[0]!;
  const accepted = intake.filter((entry) => entry.stage === 'accepted').length;
  const status = accepted === intake.length ? 'ACSP' : accepted === 0 ? 'RJCT' : 'PART';
  const xml = buildPaymentStatusReport({
    messageId: reportId('STS', first.messageId, 'intake'),
    createdAt: first.at,
    instructingAgent: { bic },
    groups: [
      {
        originalMessageId: first.messageId,
        originalMessageName: first.messageName,
        originalNumberOfTransactions: intake.length,
        status,
      },
    ],
    transactions: intake.map((entry) => ({
      originalEndToEndId: entry.endToEndId,
      ...(entry.instructionId === undefined ? {} : { originalInstructionId: entry.instructionId }),
      status: entry.stage === 'accepted' ? ('ACSP' as const) : ('RJCT' as const),
      ...(entry.reason === undefined ? {} : { reasons: [{ code: entry.reason }] }),
      originalAmount: { amount: entry.amount, currency: entry.currency },
    })),
  });
  return { message: 'pacs.002.001.11', status, createdAt: first.at, xml };
}

/** The report of a cleared transfer: a pacs.002 ACSC when settled, a pacs.004 with the reason when returned. */
export function outcomeReport(bic: string, outcome: TransferEntry): Iso20022Report {
  const originalGroup = { messageId: outcome.messageId, messageName: outcome.messageName };
  const amount = { amount: outcome.amount, currency: outcome.currency };
  if (outcome.stage === 'settled') {
    const xml = buildPaymentStatusReport({
      messageId: reportId('STS', outcome.messageId, outcome.endToEndId, 'settled'),
      createdAt: outcome.at,
      instructingAgent: { bic },
      groups: [],
      transactions: [
        {
          originalGroup,
          originalEndToEndId: outcome.endToEndId,
          ...(outcome.instructionId === undefined ? {} : { originalInstructionId: outcome.instructionId }),
          status: 'ACSC',
          originalAmount: amount,
        },
      ],
    });
    return { message: 'pacs.002.001.11', status: 'ACSC', endToEndId: outcome.endToEndId, createdAt: outcome.at, xml };
  }
  const reason = outcome.reason ?? 'MS03';
  const xml = buildPaymentReturn({
    messageId: reportId('RTN', outcome.messageId, outcome.endToEndId, 'returned'),
    createdAt: outcome.at,
    settlementDate: outcome.settlementDate,
    settlementMethod: 'CLRG',
    instructingAgent: { bic },
    transactions: [
      {
        returnId: reportId('R', outcome.messageId, outcome.endToEndId),
        originalGroup,
        originalEndToEndId: outcome.endToEndId,
        ...(outcome.instructionId === undefined ? {} : { originalInstructionId: outcome.instructionId }),
        originalAmount: amount,
        returnedAmount: amount,
        reasons: [{ code: reason }],
      },
    ],
  });
  return {
    message: 'pacs.004.001.10',
    status: 'RETURNED',
    endToEndId: outcome.endToEndId,
    reason,
    createdAt: outcome.at,
    xml,
  };
}

/** Every report about a message, from its journal entries: the immediate one, then each outcome in order. */
export function reportsOf(bic: string, entries: readonly TransferEntry[]): Iso20022Report[] {
  const intake = entries.filter((entry) => entry.stage === 'accepted' || entry.stage === 'rejected');
  if (intake.length === 0) return [];
  const outcomes = entries.filter((entry) => entry.stage === 'settled' || entry.stage === 'returned');
  return [intakeReport(bic, intake), ...outcomes.map((entry) => outcomeReport(bic, entry))];
}

class ChannelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** Builds the channel. */
export function createIso20022Channel(options: Iso20022ChannelOptions): Iso20022Channel {
  const { bank, log, bic } = options;
  /** Intakes being written, by message id: a copy posted meanwhile waits for the first. */
  const intakes = new Map<string, Promise<void>>();
  const isCaller = bearerCheck(options.tokens);
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Everything else is the gateway's business only: an unknown caller is turned away before its body is read.
  app.use((req, _res, next) => {
    if (!isCaller(req.get('authorization'))) {
      next(new ChannelError(401, 'unauthorized', 'a valid ISO 20022 channel token is required'));
      return;
    }
    next();
  });
  app.use('/iso20022/statements', express.json({ limit: '4kb' }));
  app.use(express.text({ type: () => true, limit: '1mb' }));

  app.post('/iso20022/messages', async (req, res) => {
    const xml = typeof req.body === 'string' ? req.body : '';
    let parsed: ParsedMessage;
    try {
      parsed = parseMessage(xml);
    } catch (error) {
      if (error instanceof Iso20022Error) throw new ChannelError(400, error.code, error.message, error.param);
      throw error;
    }
    if (!INBOUND.has(parsed.message))
      throw new ChannelError(400, 'unsupported_message', `the bank host does not take ${parsed.message} documents`);
    const { messageId, requests } = transfersOf(parsed);
    if (bank.book.transferEntriesOf(messageId).length === 0) {
      const writing = bank.intakeTransfers(requests).then((entries) => {
        for (const entry of entries) {
          log('info', 'iso20022.intake', {
            messageId,
            endToEndId: entry.endToEndId,
            stage: entry.stage,
            reason: entry.reason,
            debtor: maskIban(requests.find((r) => r.endToEndId === entry.endToEndId)?.debtorIban ?? ''),
          });
        }
      });
      intakes.set(messageId, writing);
      await writing.finally(() => intakes.delete(messageId));
    } else {
      await intakes.get(messageId);
    }
    const report = reportsOf(bic, bank.book.transferEntriesOf(messageId))[0]!;
    res.status(200).type('application/xml').send(report.xml);
  });

  app.get('/iso20022/messages/:messageId/reports', (req, res) => {
    const messageId = String(req.params.messageId);
    const reports = reportsOf(bic, bank.book.transferEntriesOf(messageId));
    if (reports.length === 0) throw new ChannelError(404, 'message_not_found', 'no message with this id', 'messageId');
    res.json({ messageId, reports });
  });

  // The end-of-day statement (camt.053) of an account, currency and settlement day, one page at a time. A POST with
  // the account in the body, so that an IBAN never travels in a URL (which proxies and access logs keep).
  app.post('/iso20022/statements', (req, res) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const { iban, currency, date } = body;
    const page = body.page ?? 1;
    if (typeof iban !== 'string' || bank.book.accountByIban(iban) === undefined)
      throw new ChannelError(404, 'account_not_found', 'no account with this IBAN', 'iban');
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
      throw new ChannelError(400, 'invalid_request', 'currency: an ISO 4217 code', 'currency');
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date)))
      throw new ChannelError(400, 'invalid_request', 'date: a day, YYYY-MM-DD', 'date');
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1)
      throw new ChannelError(400, 'invalid_request', 'page: a positive integer', 'page');
    const account = bank.book.accountByIban(iban)!;
    const statement = statementPage(bank.book, {
      account,
      currency,
      date,
      page,
      pageSize: options.statementPageSize ?? 500,
      bic,
      now: new Date(),
    });
    if (statement === undefined)
      throw new ChannelError(404, 'page_not_found', 'no such page of this statement', 'page');
    log('info', 'iso20022.statement', { account: maskIban(iban), currency, date, page, entries: statement.entryCount });
    res
      .status(200)
      .type('application/xml')
      .set('Statement-Page', String(statement.pageNumber))
      .set('Statement-Last-Page', String(statement.lastPage))
      .send(statement.xml);
  });

  app.use((_req, _res, next) => next(new ChannelError(404, 'not_found', 'no such route')));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ChannelError) {
      res.status(error.status).json({
        error: { type: 'invalid_request_error', code: error.code, message: error.message, param: error.param },
      });
      return;
    }
    const status = (error as { status?: number }).status;
    if (status !== undefined && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: { type: 'invalid_request_error', code: 'invalid_body', message: 'unreadable body' } });
      return;
    }
    log('error', 'iso20022.request.failed', { reason: error instanceof Error ? error.message : String(error) });
    res.status(500).json({ error: { type: 'api_error', code: 'internal', message: 'internal error' } });
  });

  let timer: NodeJS.Timeout | undefined;
  let clearing = false;
  const tick = async () => {
    if (clearing) return;
    clearing = true;
    try {
      for (const outcome of await bank.clearDueTransfers()) {
        log('info', 'iso20022.cleared', {
          messageId: outcome.messageId,
          endToEndId: outcome.endToEndId,
          stage: outcome.stage,
          reason: outcome.reason,
        });
      }
    } catch (error) {
      log('error', 'iso20022.clearing.failed', { reason: error instanceof Error ? error.message : String(error) });
    } finally {
      clearing = false;
    }
  };
  return {
    app,
    start() {
      timer ??= setInterval(() => void tick(), options.tickMs ?? 250);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
