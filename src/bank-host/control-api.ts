// The bank host's control API (HTTP, its own port), for tests and operators: fault rules of the ISO 8583 channel,
// the books (balances, holds, journal entries) to compare with settleflow's ledger, and test accounts. Every route
// but /health needs `Authorization: Bearer <BANK_HOST_ADMIN_TOKEN>`. It never returns a PAN or a CVC: cards show
// their last 4 digits, and a PAN given to it travels in a body, never in a URL.

import { bearerCheck } from './bearer';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { isValidIban } from '../iso20022';
import type { Bank } from './bank';
import { cvcHash, panHash } from './card-secrets';
import type { Account } from './domain/accounts';
import { passesLuhn } from './domain/accounts';
import type { AccountView } from './domain/book';
import type { JournalEntry } from './domain/journal';
import { faultRuleInputSchema } from './faults';
import type { FaultRules } from './faults';
import { cardAccountId } from './seed';

/** What the control API needs. */
export interface ControlApiOptions {
  readonly bank: Bank;
  readonly faults: FaultRules;
  readonly secret: Buffer;
  readonly adminToken: string;
}

const balancesSchema = z.record(z.string().regex(/^[A-Z]{3}$/), z.int().min(0).max(Number.MAX_SAFE_INTEGER));

const newAccountSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('card'),
    pan: z
      .string()
      .regex(/^\d{12,19}$/)
      .refine(passesLuhn, 'must pass the Luhn check'),
    label: z.string().min(1).max(140).optional(),
    expiry: z
      .string()
      .regex(/^\d{2}(0[1-9]|1[0-2])$/, 'must be YYMM')
      .optional(),
    cvc: z
      .string()
      .regex(/^\d{3,4}$/)
      .optional(),
    behavior: z.enum(['do_not_honor', 'incorrect_cvc', 'issuer_unavailable', 'system_error', 'expired']).optional(),
    limitMinor: z.int().min(0).optional(),
    balances: balancesSchema.default({}),
  }),
  z.strictObject({
    kind: z.enum(['current', 'merchant', 'settlement']),
    iban: z.string().refine(isValidIban, 'must be an IBAN with valid check digits'),
    label: z.string().min(1).max(140).optional(),
    returnReason: z
      .string()
      .regex(/^[A-Z0-9]{4}$/, 'must be an ISO 20022 reason code')
      .optional(),
    acquirerId: z
      .string()
      .regex(/^[1-9]\d{0,10}$/, 'must be an acquiring institution id (1 to 11 digits)')
      .optional(),
    balances: balancesSchema.default({}),
  }),
]);

const lookupSchema = z.strictObject({ pan: z.string().regex(/^\d{12,19}$/) });

/** An HTTP error in the Stripe shape settleflow uses. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.map(String).join('.') || undefined;
  throw new ControlError(400, 'invalid_request', `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, param);
}

/** The Express app of the control API (no `listen` inside). */
export function createControlApi(options: ControlApiOptions): express.Express {
  const { bank, faults, secret } = options;
  const isAdmin = bearerCheck([options.adminToken]);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use((req, _res, next) => {
    if (!isAdmin(req.get('authorization')))
      throw new ControlError(401, 'unauthorized', 'a valid admin token is required');
    next();
  });

  app.get('/v1/fault-rules', (_req, res) => {
    res.json({ rules: faults.list() });
  });
  app.post('/v1/fault-rules', (req, res) => {
    const input = parsed(faultRuleInputSchema, req.body);
    if (input.action === 'delay' && input.delayMs === undefined)
      throw new ControlError(400, 'invalid_request', 'delayMs: required for a delay', 'delayMs');
    res.status(201).json(faults.add(input));
  });
  app.delete('/v1/fault-rules', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  app.delete('/v1/fault-rules/:id', (req, res) => {
    if (!faults.remove(String(req.params.id)))
      throw new ControlError(404, 'rule_not_found', 'no such fault rule', 'id');
    res.status(204).end();
  });

  const viewOf = (id: string): AccountView => {
    const view = bank.book.accountsView(new Date()).find((account) => account.id === id);
    if (view === undefined) throw new ControlError(404, 'account_not_found', 'no such account', 'id');
    return view;
  };

  app.get('/v1/books', (_req, res) => {
    res.json({ at: new Date().toISOString(), accounts: bank.book.accountsView(new Date()) });
  });
  app.get('/v1/accounts/:id', (req, res) => {
    res.json(viewOf(String(req.params.id)));
  });
  app.post('/v1/cards/lookup', (req, res) => {
    const { pan } = parsed(lookupSchema, req.body);
    const card = bank.book.cardByPanHash(panHash(secret, pan));
    if (card === undefined) throw new ControlError(404, 'account_not_found', 'no such card', 'pan');
    res.json(viewOf(card._id));
  });
  app.post('/v1/accounts', async (req, res) => {
    const input = parsed(newAccountSchema, req.body);
    const createdAt = new Date().toISOString();
    let account: Account;
    if (input.kind === 'card') {
      const hash = panHash(secret, input.pan);
      account = {
        _id: cardAccountId(hash),
        kind: 'card',
        label: input.label ?? `card ${input.pan.slice(-4)}`,
        panHash: hash,
        last4: input.pan.slice(-4),
        opening: input.balances,
        createdAt,
        ...(input.expiry === undefined ? {} : { expiry: input.expiry }),
        ...(input.cvc === undefined ? {} : { cvcHash: cvcHash(secret, input.pan, input.cvc) }),
        ...(input.behavior === undefined ? {} : { behavior: input.behavior }),
        ...(input.limitMinor === undefined ? {} : { limitMinor: input.limitMinor }),
      };
    } else {
      if (input.acquirerId !== undefined && input.kind !== 'settlement')
        throw new ControlError(400, 'invalid_request', 'acquirerId: only a settlement account has one', 'acquirerId');
      if (bank.book.accountByIban(input.iban) !== undefined)
        throw new ControlError(409, 'account_exists', 'an account with this IBAN exists', 'iban');
      account = {
        _id: `acct_${input.iban}`,
        kind: input.kind,
        label: input.label ?? input.kind,
        iban: input.iban,
        opening: input.balances,
        createdAt,
        ...(input.returnReason === undefined ? {} : { returnReason: input.returnReason }),
        ...(input.acquirerId === undefined ? {} : { acquirerId: input.acquirerId }),
      };
    }
    if (bank.book.account(account._id) !== undefined)
      throw new ControlError(409, 'account_exists', 'this account exists', input.kind === 'card' ? 'pan' : 'iban');
    await bank.openAccount(account);
    res.status(201).json(viewOf(account._id));
  });

  app.get('/v1/transactions', (req, res) => {
    const account = typeof req.query.account === 'string' ? req.query.account : undefined;
    const rrn = typeof req.query.rrn === 'string' ? req.query.rrn : undefined;
    const messageId = typeof req.query.messageId === 'string' ? req.query.messageId : undefined;
    const matches = (entry: JournalEntry): boolean => {
      if (rrn !== undefined && (entry.channel !== 'iso8583' || entry.rrn !== rrn)) return false;
      if (messageId !== undefined && (entry.channel !== 'iso20022' || entry.messageId !== messageId)) return false;
      if (account === undefined) return true;
      if (entry.effects.some((effect) => effect.accountId === account)) return true;
      return entry.channel === 'iso8583'
        ? entry.accountId === account
        : entry.debtorAccountId === account || entry.creditorAccountId === account;
    };
    res.json({ transactions: bank.book.allEntries().filter(matches).map(publicEntry) });
  });

  app.use((_req, _res, next) => next(new ControlError(404, 'not_found', 'no such route')));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ControlError) {
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
    res.status(500).json({ error: { type: 'api_error', code: 'internal', message: 'internal error' } });
  });
  return app;
}

/** An entry as the API shows it (without the request digest, which is of no use outside). */
function publicEntry(entry: JournalEntry): Omit<JournalEntry, 'digest'> {
  if (entry.channel !== 'iso8583') return entry;
  const { digest: _digest, ...rest } = entry;
  return rest;
}
