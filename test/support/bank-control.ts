// The bank host's control API as the gateway tests use it: fresh test cards, fault rules, and the bank's own view of
// a card (balance and holds) to compare with settleflow's ledger. The bank host is the real process jest's global
// setup started (BANK_HOST_ADDRESS, BANK_HOST_CONTROL_URL, BANK_HOST_ADMIN_TOKEN).

import { randomInt } from 'node:crypto';

/** Where the bank host of this run listens. */
export function bankHostEnv(): { address: string; controlUrl: string; adminToken: string } {
  const { BANK_HOST_ADDRESS, BANK_HOST_CONTROL_URL, BANK_HOST_ADMIN_TOKEN } = process.env;
  if (!BANK_HOST_ADDRESS || !BANK_HOST_CONTROL_URL || !BANK_HOST_ADMIN_TOKEN) {
    throw new Error('the bank host is not started: run the tests through jest (test/global-setup.js starts it)');
  }
  return { address: BANK_HOST_ADDRESS, controlUrl: BANK_HOST_CONTROL_URL, adminToken: BANK_HOST_ADMIN_TOKEN };
}

/**
 * One call of the bank host's control API. A request written to a kept-alive connection the bank host was just closing
 * fails before the bank host read it (undici's "other side closed"); it is sent once more on a new connection.
 */
export async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { controlUrl, adminToken } = bankHostEnv();
  const send = () =>
    fetch(`${controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const response = await send().catch((error: unknown) => {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return send();
    throw error;
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`bank control ${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A Luhn-valid 16-digit PAN starting 4998 that no other test uses. */
export function freshPan(): string {
  const body = `4998${String(randomInt(0, 1e11)).padStart(11, '0')}`;
  for (let check = 0; check < 10; check += 1) {
    const pan = `${body}${check}`;
    let sum = 0;
    for (let i = 0; i < pan.length; i += 1) {
      let digit = Number(pan[pan.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return pan;
  }
  throw new Error('unreachable');
}

/** A card the tests pay with: number, expiry and CVC. */
export interface TestCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** Opens a fresh card at the bank host holding `balanceMinor` EUR. */
export async function openTestCard(balanceMinor = 10_000_000): Promise<TestCard> {
  const number = freshPan();
  const expYear = new Date().getUTCFullYear() + 3;
  await control('POST', '/v1/accounts', {
    kind: 'card',
    pan: number,
    expiry: `${String(expYear % 100).padStart(2, '0')}12`,
    cvc: '123',
    balances: { EUR: balanceMinor },
  });
  return { number, expMonth: 12, expYear, cvc: '123' };
}

/** A fault rule as the bank host takes it. */
export interface FaultRule {
  action: 'delay' | 'no_answer' | 'disconnect' | 'malformed' | 'duplicate' | 'wrong_stan';
  pan?: string;
  amount?: number;
  mti?: string;
  delayMs?: number;
  beforeProcessing?: boolean;
  apply?: boolean;
  times?: number;
  probability?: number;
  seed?: number;
}

/** Adds a fault rule; returns its id. */
export async function addFault(rule: FaultRule): Promise<string> {
  return (await control<{ id: string }>('POST', '/v1/fault-rules', rule)).id;
}

/** Removes a fault rule. */
export async function removeFault(id: string): Promise<void> {
  await control('DELETE', `/v1/fault-rules/${id}`);
}

/** The bank's view of a card: balance, what its active holds add up to, and its holds. */
export async function cardAtBank(pan: string): Promise<{
  balance: number;
  held: number;
  holds: { rrn: string; amount: number; state: string }[];
}> {
  const view = await control<{
    balances: Record<string, number>;
    held: Record<string, number>;
    holds: { rrn: string; amount: number; state: string }[];
  }>('POST', '/v1/cards/lookup', { pan });
  return { balance: view.balances.EUR ?? 0, held: view.held.EUR ?? 0, holds: view.holds };
}

/** The bank's journal entries of an RRN. */
export async function bankEntries(rrn: string): Promise<{ mti: string; responseCode: string }[]> {
  return (
    await control<{ transactions: { mti: string; responseCode: string }[] }>('GET', `/v1/transactions?rrn=${rrn}`)
  ).transactions;
}
