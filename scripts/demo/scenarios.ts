// What each order of a bot run should go through: which supplier behaviour, whether the first card is declined.
// Exact shares, spread over the run by a seeded shuffle, so two runs with the same options plan the same orders.

/** How the supplier bot treats its inquiry. */
export type SupplierBehaviour = 'answers' | 'unavailable' | 'misses-deadline';

/** One order's script. */
export interface OrderScenario {
  supplier: SupplierBehaviour;
  /** The customer first pays with a card the bank declines (insufficient funds), then with a good one. */
  declineFirstPayment: boolean;
  /** How the customer pays (README, Payment methods); a card when absent. */
  paymentMethod?: DemoPaymentMethod;
}

/** The demo's payment methods: `micropayment` is a small order paid by card (collected into an aggregate). */
export type DemoPaymentMethod = 'card' | 'echeck' | 'ecash' | 'micropayment';

/** Gives the orders that pay at the first try the four methods in turn (card, e-check, e-cash, micropayment). */
export function withPaymentMethods(plan: readonly OrderScenario[]): OrderScenario[] {
  const methods: DemoPaymentMethod[] = ['card', 'echeck', 'ecash', 'micropayment'];
  let next = 0;
  return plan.map((scenario) => {
    if (scenario.supplier !== 'answers' || scenario.declineFirstPayment) return scenario;
    const paymentMethod = methods[next % methods.length] ?? 'card';
    next += 1;
    return { ...scenario, paymentMethod };
  });
}

/** Shares of the run, each in [0, 1]; the rest of the orders go through all ten steps at the first try. */
export interface ScenarioShares {
  /** Orders whose first payment is declined (among those that reach the payment). */
  declines: number;
  /** Orders whose supplier never answers, so the supplier deadline cancels them. */
  missedDeadlines: number;
  /** Orders whose supplier answers "not available". */
  unavailable: number;
}

/** No declines, no missed deadlines, no unavailable answers: every order closes. */
export const HAPPY_PATH: ScenarioShares = { declines: 0, missedDeadlines: 0, unavailable: 0 };

/** A small seeded PRNG (mulberry32): reproducible plans without a dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Plans `total` orders with the shares rounded to whole orders.
 * @throws RangeError when a share is outside [0, 1] or missed deadlines and unavailable answers exceed all orders
 */
export function planScenarios(total: number, shares: ScenarioShares, seed = 1): OrderScenario[] {
  for (const [name, share] of Object.entries(shares)) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be a share between 0 and 1, got ${share}`);
  }
  const missed = Math.round(total * shares.missedDeadlines);
  const unavailable = Math.round(total * shares.unavailable);
  if (missed + unavailable > total) throw new RangeError('missed deadlines and unavailable answers exceed 100%');
  const answering = total - missed - unavailable;
  const declines = Math.min(answering, Math.round(total * shares.declines));
  const plan: OrderScenario[] = [
    ...Array.from({ length: missed }, () => ({ supplier: 'misses-deadline' as const, declineFirstPayment: false })),
    ...Array.from({ length: unavailable }, () => ({ supplier: 'unavailable' as const, declineFirstPayment: false })),
    ...Array.from({ length: answering }, (_, index) => ({
      supplier: 'answers' as const,
      declineFirstPayment: index < declines,
    })),
  ];
  const random = seededRandom(seed);
  for (let i = plan.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j] as OrderScenario, plan[i] as OrderScenario];
  }
  return plan;
}
