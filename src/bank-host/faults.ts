// Fault rules of the ISO 8583 channel, set by tests through the control API: answer late, never answer, drop the
// connection, send a malformed frame, answer twice, answer with another STAN; for a PAN, an amount, a message type,
// or at random with a seed. Rules live in memory (a restart clears them). A rule's PAN is kept as a keyed hash and
// shown masked; never in clear.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { maskPan } from '../iso8583';
import { panHash } from './card-secrets';

/** What a rule does to the answer of a request it matches. */
export const faultActionSchema = z.enum(['delay', 'no_answer', 'disconnect', 'malformed', 'duplicate', 'wrong_stan']);
/** What a rule does. */
export type FaultAction = z.infer<typeof faultActionSchema>;

/** A rule as the control API takes it. */
export const faultRuleInputSchema = z.strictObject({
  action: faultActionSchema,
  /** Matches a request whose field 2 is this PAN. */
  pan: z
    .string()
    .regex(/^\d{12,19}$/)
    .optional(),
  /** Matches a request whose field 4 is this amount (minor units). */
  amount: z.int().min(0).optional(),
  /** Matches a request of this MTI. */
  mti: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  /** Matches each otherwise matching request with this probability, drawn from a generator seeded with `seed`. */
  probability: z.number().min(0).max(1).optional(),
  seed: z.int().optional(),
  /** `delay`: how long to wait before answering. */
  delayMs: z.int().min(0).max(600_000).optional(),
  /** `delay`: wait before deciding the request (a reversal may then come first), instead of before answering. */
  beforeProcessing: z.boolean().optional(),
  /** Whether the bank still applies the request (default true): false loses it as if it never arrived. */
  apply: z.boolean().optional(),
  /** How many requests it applies to before it stops (default: all). */
  times: z.int().positive().optional(),
});
/** A rule as the control API takes it. */
export type FaultRuleInput = z.infer<typeof faultRuleInputSchema>;

/** A rule as the control API lists it. */
export interface FaultRuleView {
  readonly id: string;
  readonly action: FaultAction;
  readonly pan?: string;
  readonly amount?: number;
  readonly mti?: string;
  readonly probability?: number;
  readonly seed?: number;
  readonly delayMs?: number;
  readonly beforeProcessing?: boolean;
  readonly apply: boolean;
  readonly remaining?: number;
  readonly matched: number;
}

/** What a matched rule asks of the server. */
export interface FaultPlan {
  readonly ruleId: string;
  readonly action: FaultAction;
  readonly delayMs: number;
  readonly beforeProcessing: boolean;
  readonly apply: boolean;
}

interface FaultRule {
  readonly id: string;
  readonly input: FaultRuleInput;
  readonly panHash?: string;
  readonly maskedPan?: string;
  readonly random?: () => number;
  remaining?: number;
  matched: number;
}

/** mulberry32: a small seeded generator, so a seeded random rule faults the same requests on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault rules in force; the first matching rule applies. */
export class FaultRules {
  private rules: FaultRule[] = [];

  constructor(private readonly secret: Buffer) {}

  /** Adds a rule; returns how it is listed. */
  add(input: FaultRuleInput): FaultRuleView {
    const rule: FaultRule = {
      id: `fault_${randomUUID()}`,
      input,
      matched: 0,
      ...(input.pan === undefined ? {} : { panHash: panHash(this.secret, input.pan), maskedPan: maskPan(input.pan) }),
      ...(input.probability === undefined ? {} : { random: seededRandom(input.seed ?? 1) }),
      ...(input.times === undefined ? {} : { remaining: input.times }),
    };
    this.rules.push(rule);
    return this.view(rule);
  }

  /** Every rule. */
  list(): FaultRuleView[] {
    return this.rules.map((rule) => this.view(rule));
  }

  /** Removes one rule; false when there was none of that id. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The plan of the first rule matching a request (and counts it), or undefined. */
  match(request: { mti: string; panHash?: string; amount?: number }): FaultPlan | undefined {
    for (const rule of this.rules) {
      const { input } = rule;
      if (rule.remaining === 0) continue;
      if (input.mti !== undefined && input.mti !== request.mti) continue;
      if (rule.panHash !== undefined && rule.panHash !== request.panHash) continue;
      if (input.amount !== undefined && input.amount !== request.amount) continue;
      if (rule.random !== undefined && rule.random() >= (input.probability ?? 1)) continue;
      rule.matched += 1;
      if (rule.remaining !== undefined) rule.remaining -= 1;
      return {
        ruleId: rule.id,
        action: input.action,
        delayMs: input.delayMs ?? 0,
        beforeProcessing: input.beforeProcessing ?? false,
        apply: input.apply ?? true,
      };
    }
    return undefined;
  }

  private view(rule: FaultRule): FaultRuleView {
    const { input } = rule;
    return Object.fromEntries(
      Object.entries({
        id: rule.id,
        action: input.action,
        pan: rule.maskedPan,
        amount: input.amount,
        mti: input.mti,
        probability: input.probability,
        seed: input.seed,
        delayMs: input.delayMs,
        beforeProcessing: input.beforeProcessing,
        apply: input.apply ?? true,
        remaining: rule.remaining,
        matched: rule.matched,
      }).filter(([, value]) => value !== undefined),
    ) as unknown as FaultRuleView;
  }
}
