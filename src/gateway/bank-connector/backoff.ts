// Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the delay
// before retry n is a random value in [0, min(cap, base × factor^(n−1))], never below `minMs`. Pure: the random
// source is passed in.

/** The shape of a backoff. */
export interface BackoffPolicy {
  /** Delay bound of the first retry. */
  readonly initialMs: number;
  /** No delay exceeds this. */
  readonly maxMs: number;
  /** Growth per retry. */
  readonly factor: number;
  /** Floor of every delay, so a retry loop never spins. */
  readonly minMs?: number;
}

/**
 * The delay before retry number `attempt` (1-based).
 * @param random a value in [0, 1): Math.random in production, a fixed value in tests
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  return Math.max(policy.minMs ?? 0, Math.floor(random() * ceiling));
}
