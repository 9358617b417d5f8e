// The correction engine's settings and its planner: a rule set (validated with zod, stored versioned) says what to do
// with each break of a reconciliation (accept a timing break of up to N days, adjust an amount difference under a
// tolerance against a named account, reverse a duplicate, queue the rest), and `planCorrections` turns a rule set and
// a day's open breaks into a plan: per break, the action and the journal it would post. Pure and deterministic (no
// clock, no I/O), so the dry run and the real run compute the same plan. A correction is always a new ADJUSTMENT or
// REVERSAL journal under a deterministic id, with its reason and the break it resolves; never an edit.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FlatLeg } from '../../domain/ledger';
import { LEDGER_ACCOUNTS } from '../../domain/ledger';
import type { ReconciliationClass } from './matching';

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1 to 40 lowercase letters, digits or -')
  .describe('Names the rule in plans and audits.');
const account = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*(:[a-z0-9][a-z0-9-]*){1,3}$/,
    'must be a ledger account name such as gateway:recon-differences',
  )
  .refine((name) => name !== LEDGER_ACCOUNTS.bankClearing, 'must not be the clearing account itself')
  .describe('The ledger account the correcting journal books the difference to.');
const breakClass = z.enum(['AMOUNT_MISMATCH', 'MISSING_IN_BANK', 'MISSING_IN_LEDGER', 'DUPLICATE', 'TIMING']);

/** One correction rule. The first rule of a set that applies to a break decides; none: the break is queued. */
export const correctionRuleSchema = z.discriminatedUnion('action', [
  z.strictObject({
    id: ruleId,
    class: z.literal('TIMING'),
    action: z.literal('ACCEPT'),
    maxDays: z.int().min(0).max(31).describe('Accept the break when the bank booked it at most this many days later.'),
  }),
  z.strictObject({
    id: ruleId,
    class: z.literal('AMOUNT_MISMATCH'),
    action: z.literal('ADJUST'),
    toleranceMinor: z
      .int()
      .min(1)
      .max(1_000_000)
      .describe('Largest difference (minor units, either sign) adjusted; above it the break is queued.'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional()
      .describe('Only breaks in this currency (absent: any).'),
    account,
  }),
  z.strictObject({
    id: ruleId,
    class: z.literal('DUPLICATE'),
    action: z.literal('REVERSE'),
    account: account.describe(
      "Where a duplicate bank line's money is booked until it is returned (a duplicate journal is reversed instead).",
    ),
  }),
  z.strictObject({ id: ruleId, class: breakClass, action: z.literal('QUEUE') }),
]);
/** One correction rule. */
export type CorrectionRule = z.infer<typeof correctionRuleSchema>;

/** A rule set as operators write it. */
export const ruleSetInputSchema = z
  .strictObject({
    rules: z.array(correctionRuleSchema).max(50),
    comment: z.string().max(500).optional().describe('Why the rules changed (kept in the audit).'),
  })
  .refine((set) => new Set(set.rules.map((rule) => rule.id)).size === set.rules.length, {
    message: 'rule ids must be unique',
    path: ['rules'],
  });
/** A rule set as operators write it. */
export type RuleSetInput = z.infer<typeof ruleSetInputSchema>;

/** The rule set in force before any operator wrote one (version 0): every break to the queue. */
export const DEFAULT_RULE_SET: { version: number; rules: CorrectionRule[] } = { version: 0, rules: [] };

/** What a plan does with one break. */
export type CorrectionAction = 'ACCEPT' | 'ADJUST' | 'REVERSE' | 'QUEUE';

/** A break as the planner reads it. */
export interface BreakForPlan {
  readonly itemId: string;
  readonly day: string;
  readonly class: ReconciliationClass;
  readonly currency: string;
  readonly bankAmountMinor?: number | undefined;
  readonly ledgerAmountMinor?: number | undefined;
  readonly differenceMinor?: number | undefined;
  readonly journalId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly otherDay?: string | undefined;
}

/** A correcting journal of a plan. */
export interface PlannedJournal {
  readonly journalId: string;
  readonly kind: 'ADJUSTMENT' | 'REVERSAL';
  readonly orderId: string;
  readonly legs: FlatLeg[];
  readonly reason: string;
  readonly reverses?: string | undefined;
}

/** One line of a plan. */
export interface PlanEntry {
  readonly itemId: string;
  readonly class: ReconciliationClass;
  readonly action: CorrectionAction;
  readonly ruleId?: string | undefined;
  readonly reason: string;
  readonly journal?: PlannedJournal | undefined;
}

/** Whole days from one YYYY-MM-DD to a later one. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The clearing leg and the other leg of a movement of `deltaMinor` at the bank (positive: money in). */
function clearingLegs(deltaMinor: number, other: string, currency: string): FlatLeg[] {
  const amount = Math.abs(deltaMinor);
  return deltaMinor > 0
    ? [
        { account: LEDGER_ACCOUNTS.bankClearing, direction: 'DEBIT', amount, currency },
        { account: other, direction: 'CREDIT', amount, currency },
      ]
    : [
        { account: LEDGER_ACCOUNTS.bankClearing, direction: 'CREDIT', amount, currency },
        { account: other, direction: 'DEBIT', amount, currency },
      ];
}

/** The plan entry of one rule for one break, or undefined when the rule does not apply to it. */
function applyRule(
  rule: CorrectionRule,
  item: BreakForPlan,
  journalLegs: (journalId: string) => readonly FlatLeg[] | undefined,
): PlanEntry | undefined {
  if (rule.class !== item.class) return undefined;
  const base = { itemId: item.itemId, class: item.class, ruleId: rule.id };
  const orderId = item.orderId ?? `reconciliation:${item.day}`;
  switch (rule.action) {
    case 'QUEUE':
      return { ...base, action: 'QUEUE', reason: `rule ${rule.id}: to the queue` };
    case 'ACCEPT': {
      if (item.otherDay === undefined) return undefined;
      const lag = daysBetween(item.day, item.otherDay);
      if (lag > rule.maxDays) return undefined;
      return { ...base, action: 'ACCEPT', reason: `rule ${rule.id}: booked by the bank ${lag} day(s) later` };
    }
    case 'ADJUST': {
      const difference = item.differenceMinor;
      if (difference === undefined || difference === 0 || Math.abs(difference) > rule.toleranceMinor) return undefined;
      if (rule.currency !== undefined && rule.currency !== item.currency) return undefined;
      const reason = `rule ${rule.id}: bank differs from ledger by ${difference} ${item.currency} (tolerance ${rule.toleranceMinor})`;
      return {
        ...base,
        action: 'ADJUST',
        reason,
        journal: {
          journalId: `recon:${item.itemId}:adjustment`,
          kind: 'ADJUSTMENT',
          orderId,
          legs: clearingLegs(difference, rule.account, item.currency),
          reason,
        },
      };
    }
    case 'REVERSE': {
      if (item.bankAmountMinor !== undefined && item.ledgerAmountMinor === undefined) {
        if (item.bankAmountMinor === 0) return undefined;
        const reason = `rule ${rule.id}: the bank booked a duplicate of ${item.bankAmountMinor} ${item.currency}; held on ${rule.account} until returned`;
        return {
          ...base,
          action: 'REVERSE',
          reason,
          journal: {
            journalId: `recon:${item.itemId}:reversal`,
            kind: 'REVERSAL',
            orderId,
            legs: clearingLegs(item.bankAmountMinor, rule.account, item.currency),
            reason,
          },
        };
      }
      const legs = item.journalId === undefined ? undefined : journalLegs(item.journalId);
      if (legs === undefined || legs.length === 0) return undefined;
      const reason = `rule ${rule.id}: journal ${item.journalId} duplicates a booking the bank has once; reversed`;
      return {
        ...base,
        action: 'REVERSE',
        reason,
        journal: {
          journalId: `recon:${item.itemId}:reversal`,
          kind: 'REVERSAL',
          orderId,
          legs: legs.map((leg) => ({ ...leg, direction: leg.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT' })),
          reason,
          reverses: item.journalId,
        },
      };
    }
  }
}

/**
 * What a rule set does with one break: the first rule that applies, else QUEUE (an operator works it).
 * `journalLegs` gives the legs of a ledger journal (to reverse a duplicate journal).
 */
export function planFor(
  rules: readonly CorrectionRule[],
  item: BreakForPlan,
  journalLegs: (journalId: string) => readonly FlatLeg[] | undefined,
): PlanEntry {
  for (const rule of rules) {
    const entry = applyRule(rule, item, journalLegs);
    if (entry !== undefined) return entry;
  }
  return { itemId: item.itemId, class: item.class, action: 'QUEUE', reason: 'no rule applies: to the queue' };
}

/** A digest of a plan (its entries in order), so that an apply can insist on the plan its dry run showed. */
export function planDigest(ruleSetVersion: number, entries: readonly PlanEntry[]): string {
  return createHash('sha256').update(JSON.stringify({ ruleSetVersion, entries })).digest('hex');
}
