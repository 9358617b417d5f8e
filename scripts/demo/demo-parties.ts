// The demo parties file that `npm start` writes to `<DATA_DIR>/demo-parties.json`: one seller, one customer,
// suppliers, carriers and an operator with their API keys. Parsed once here; the bots trust the result.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PARTY_ROLES } from '../../src/domain/order';
import type { RegisteredParty } from './api-client';
import { SettleflowClient } from './api-client';
import type { BotParty, OrderCast } from './order-bots';

const demoPartiesSchema = z
  .array(z.object({ id: z.string().min(1), role: z.enum(PARTY_ROLES), name: z.string(), apiKey: z.string().min(1) }))
  .min(1);

/**
 * Reads and checks a demo parties file.
 * @throws Error saying what is missing or malformed, and how to get the file
 */
export function loadDemoParties(file: string): RegisteredParty[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read the demo parties file ${file} (${code ?? String(error)}); \`npm start\` writes it`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const parsed = demoPartiesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file} is not a list of { id, role, name, apiKey }: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/**
 * The parties of each order from a set of registered parties: the first seller and customer, suppliers taken in
 * turn, and every carrier as a candidate (so each order gets as many quotes as there are carriers).
 * @throws Error when a role the lifecycle needs is missing
 */
export function castsFrom(
  parties: readonly RegisteredParty[],
  baseUrl: string,
  timeoutMs?: number,
): (orderIndex: number) => OrderCast {
  const bot = (party: RegisteredParty): BotParty => ({
    id: party.id,
    // Customers pay with signed notifications (the client SDK), so their card data never reaches settleflow in clear.
    client: new SettleflowClient({ baseUrl, apiKey: party.apiKey, timeoutMs, signPayments: party.role === 'customer' }),
  });
  const byRole = (role: RegisteredParty['role']) => parties.filter((party) => party.role === role).map(bot);
  const [seller] = byRole('seller');
  const [customer] = byRole('customer');
  const suppliers = byRole('supplier');
  const carriers = byRole('carrier');
  const missing = [
    seller ? [] : ['a seller'],
    customer ? [] : ['a customer'],
    suppliers.length > 0 ? [] : ['a supplier'],
    carriers.length > 0 ? [] : ['a carrier'],
  ].flat();
  if (!seller || !customer || missing.length > 0) throw new Error(`the parties lack ${missing.join(', ')}`);
  return (orderIndex) => ({
    seller,
    customer,
    supplier: suppliers[orderIndex % suppliers.length] as BotParty,
    carriers,
  });
}
