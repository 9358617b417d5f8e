// Fee arithmetic of settlement batches: a seller's fee schedule (per payment method: basis points of the gross plus
// a fixed amount in the currency's minor units), versioned by `effectiveFrom`, and the fee of one payment under it.
// Pure integer arithmetic on minor units, so a zero-decimal currency (JPY) and a three-decimal one (KWD) need no
// special case: the fixed part is given in that currency's own minor units. It must never use floating point.

/** The payment methods a fee rule may name; `micropayment` is a card payment settled through its aggregate. */
export type FeeMethod = 'card' | 'echeck' | 'ecash' | 'micropayment';

/** Every fee method. */
export const FEE_METHODS: readonly FeeMethod[] = ['card', 'echeck', 'ecash', 'micropayment'];

/** A fee: `bps` basis points (1/100 of a percent) of the gross plus `fixedMinor` minor units. */
export interface FeeRule {
  bps: number;
  fixedMinor: number;
}

/** One version of a seller's fee schedule in one currency. */
export interface FeeScheduleVersion {
  /** The seller, or `*` for every seller without a schedule of its own. */
  sellerId: string;
  currency: string;
  /** From when (ISO 8601) a cut-off uses it. */
  effectiveFrom: string;
  /** Grows with every version of this seller and currency. */
  version: number;
  /** The rule of every method not named in `methods`. */
  default: FeeRule;
  methods: Partial<Record<FeeMethod, FeeRule>>;
}

/**
 * The fee of one payment: `round_half_up(gross × bps / 10 000) + fixedMinor`, at most the gross (a payout is never
 * negative). Half up means a result exactly half a minor unit away rounds away from zero (the gross is positive):
 * 12.5 → 13. Computed in BigInt, so no gross or rate loses a unit.
 * @throws RangeError for a negative or fractional gross, bps or fixed part
 */
export function feeMinor(grossMinor: number, rule: FeeRule): number {
  for (const [name, value] of [
    ['gross', grossMinor],
    ['bps', rule.bps],
    ['fixedMinor', rule.fixedMinor],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  const variable = (BigInt(grossMinor) * BigInt(rule.bps) * 2n + 10_000n) / 20_000n;
  const fee = variable + BigInt(rule.fixedMinor);
  return Number(fee > BigInt(grossMinor) ? BigInt(grossMinor) : fee);
}

/** The rule of `method` in a schedule version. */
export function ruleFor(schedule: Pick<FeeScheduleVersion, 'default' | 'methods'>, method: FeeMethod): FeeRule {
  return schedule.methods[method] ?? schedule.default;
}

/**
 * The version in force at `at`: the latest `effectiveFrom` not after `at` (the highest version among equals), the
 * seller's own before the default `*` schedule; undefined when none is in force.
 */
export function scheduleInForce(
  versions: readonly FeeScheduleVersion[],
  sellerId: string,
  currency: string,
  at: string,
): FeeScheduleVersion | undefined {
  const atMs = Date.parse(at);
  const latest = (owner: string) =>
    versions
      .filter((v) => v.sellerId === owner && v.currency === currency && Date.parse(v.effectiveFrom) <= atMs)
      .sort((a, b) => Date.parse(b.effectiveFrom) - Date.parse(a.effectiveFrom) || b.version - a.version)[0];
  return latest(sellerId) ?? latest('*');
}

/** The totals of a payout: the sum of its lines' gross and fees, and the net the seller receives. */
export function payoutTotals(lines: readonly { grossMinor: number; feeMinor: number }[]): {
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
} {
  let gross = 0n;
  let fee = 0n;
  for (const line of lines) {
    gross += BigInt(line.grossMinor);
    fee += BigInt(line.feeMinor);
  }
  return { grossMinor: Number(gross), feeMinor: Number(fee), netMinor: Number(gross - fee) };
}
