// The gateway worker's half of the payment-instruction vault: opens a token's instruction for one bank operation
// (the JWE with the gateway's private payment-instructions key, after checking the customer's dual signature when
// there is one) and, once the first operation is answered, destroys the CVC: the JWE is deleted and the instrument
// without its CVC is kept sealed under the card-vault key, with BIN and last four for display. Runs only in the
// gateway worker; never logs or stores an instrument in clear.

import type { Database } from '../../persistence/database';
import { decryptCompact } from '../../security/jose-keys';
import { KeyRingError, rethrowIfTransient } from '../../security/key-errors';
import type { KeyRing } from '../../security/key-ring';
import type { PurposeKeys } from '../../security/purpose-keys';
import { cardBrand } from '../../domain/card';
import { InstructionLinkBroken, verifyInstructionLink } from './instruction-link';
import type { InstrumentDisplay, PaymentInstruction, PaymentInstructionRecord } from './payment-instructions';
import { TOKEN_PATTERN, instructionCollection } from './payment-instructions';

/** An instrument reference a payment command carries: a vault token, or (histories before tokens) a sealed value. */
export interface InstrumentOpener {
  /**
   * The instrument in the form the payment methods read (`{number, expMonth, expYear, cvc?}` for a card,
   * `{method: 'echeck', iban, accountHolder}`, `{method: 'ecash', walletId}`), as JSON.
   * @throws KeyRingError `unknown_key_id` (retry: a key just added) or another error when it cannot be opened
   */
  open(reference: string): Promise<string>;
  /**
   * Called once the instrument's first bank operation was answered: the CVC is destroyed (the JWE deleted, the
   * instrument re-sealed without it under the card-vault key). Idempotent; nothing to do for a sealed value.
   */
  answered(reference: string): Promise<void>;
}

/** Why a token's instruction cannot be opened (it is then an unreadable instrument: declined, never retried). */
export class InstructionUnreadable extends Error {
  constructor(
    readonly code: 'token_unknown' | 'instruction_unreadable' | 'dual_signature_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'InstructionUnreadable';
  }
}

/** The legacy form the payment methods parse, from a clear instruction (its CVC left out with `withoutCvc`). */
export function instrumentJson(instruction: PaymentInstruction, withoutCvc = false): string {
  switch (instruction.method) {
    case 'card': {
      const { number, expMonth, expYear, cvc } = instruction.card;
      return JSON.stringify(withoutCvc ? { number, expMonth, expYear } : { number, expMonth, expYear, cvc });
    }
    case 'echeck':
      return JSON.stringify({ method: 'echeck', ...instruction.echeck });
    case 'ecash':
      return JSON.stringify({ method: 'ecash', ...instruction.ecash });
  }
}

/** Parses a decrypted instruction; throws InstructionUnreadable when it is not one. */
function parseInstruction(plaintext: string): PaymentInstruction {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new InstructionUnreadable('instruction_unreadable', 'the payment instruction is not JSON');
  }
  const instruction = value as Partial<Record<string, Record<string, unknown>>> & { method?: unknown };
  const card = instruction.card;
  if (
    instruction.method === 'card' &&
    card &&
    typeof card.number === 'string' &&
    /^\d{12,19}$/.test(card.number) &&
    Number.isInteger(card.expMonth) &&
    Number.isInteger(card.expYear) &&
    (card.cvc === undefined || typeof card.cvc === 'string')
  ) {
    return value as PaymentInstruction;
  }
  const echeck = instruction.echeck;
  if (instruction.method === 'echeck' && echeck && typeof echeck.iban === 'string') return value as PaymentInstruction;
  const ecash = instruction.ecash;
  if (instruction.method === 'ecash' && ecash && typeof ecash.walletId === 'string') return value as PaymentInstruction;
  throw new InstructionUnreadable('instruction_unreadable', 'the payment instruction has no usable instrument');
}

/** What may be shown of an opened instruction: the card's BIN and last four, an IBAN's or wallet's last four. */
function displayOfOpened(instruction: PaymentInstruction): InstrumentDisplay {
  switch (instruction.method) {
    case 'card':
      return {
        brand: cardBrand(instruction.card.number),
        bin: instruction.card.number.slice(0, 6),
        last4: instruction.card.number.slice(-4),
      };
    case 'echeck':
      return { brand: 'echeck', last4: instruction.echeck.iban.slice(-4) };
    case 'ecash':
      return { brand: 'ecash', last4: instruction.ecash.walletId.slice(-4) };
  }
}

/** The card-vault key id of a sealed value `v2.<kid>.<data>` (legacy `v1.` values: `legacy-v1`). */
function sealedKid(sealed: string): string {
  const [version, kid] = sealed.split('.', 3);
  return version === 'v2' && kid ? kid : 'legacy-v1';
}

/** How long, and how many, opened instructions are kept for their `answered` (see {@link RecentlyOpened}). */
const RECENTLY_OPENED_MS = 60_000;
const RECENTLY_OPENED_MAX = 256;

/**
 * The instructions this process opened for an operation not yet answered, so that `answered` re-seals the one it
 * opened instead of decrypting the JWE (and checking its dual signature) a second time. In this process's memory only
 * (the one process that may open an instruction), at most 256 of them: an entry is taken out by `answered` and used
 * only when the stored JWE is still the one it was opened from; one never taken (an operation that did not reach the
 * bank) is forgotten after a minute.
 */
class RecentlyOpened {
  private readonly entries = new Map<string, { jwe: string; instruction: PaymentInstruction; until: number }>();

  constructor(private readonly now: () => Date) {}

  remember(reference: string, jwe: string, instruction: PaymentInstruction): void {
    const at = this.now().getTime();
    this.entries.delete(reference);
    this.entries.set(reference, { jwe, instruction, until: at + RECENTLY_OPENED_MS });
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= RECENTLY_OPENED_MAX && entry.until > at) break;
      this.entries.delete(key);
    }
  }

  take(reference: string): { jwe: string; instruction: PaymentInstruction } | undefined {
    const entry = this.entries.get(reference);
    this.entries.delete(reference);
    return entry && entry.until > this.now().getTime() ? entry : undefined;
  }
}

/**
 * The gateway's instrument opener on `db`: tokens through the vault (their JWE with `ring`'s payment-instructions
 * keys), other references as values sealed under `cardVault` (histories before tokens). Without a key ring (the
 * legacy single-key vault) a token cannot be opened.
 */
export function instrumentOpener(options: {
  db: Pick<Database, 'connection'>;
  cardVault: PurposeKeys;
  ring?: KeyRing | undefined;
  now?: () => Date;
}): InstrumentOpener {
  const { db, cardVault, ring } = options;
  const now = options.now ?? (() => new Date());
  const vault = instructionCollection(db);
  const recentlyOpened = new RecentlyOpened(now);

  async function record(token: string): Promise<PaymentInstructionRecord> {
    const found = (await vault.findOne({ _id: token })) as PaymentInstructionRecord | null;
    if (!found) throw new InstructionUnreadable('token_unknown', `no payment instruction ${token}`);
    return found;
  }

  async function decrypt(found: PaymentInstructionRecord & { jwe: string }): Promise<PaymentInstruction> {
    if (!ring) throw new InstructionUnreadable('instruction_unreadable', 'this gateway holds no key ring');
    if (found.link) {
      await verifyInstructionLink(db, found.customerId, found.jwe, found.link).catch((error: unknown) => {
        if (error instanceof InstructionLinkBroken)
          throw new InstructionUnreadable('dual_signature_invalid', error.message);
        throw error;
      });
    }
    try {
      const { plaintext } = await decryptCompact(ring, found.jwe);
      return parseInstruction(Buffer.from(plaintext).toString('utf8'));
    } catch (error) {
      rethrowIfTransient(error);
      if (error instanceof InstructionUnreadable) throw error;
      const reason = error instanceof KeyRingError ? error.code : 'decryption failed';
      throw new InstructionUnreadable('instruction_unreadable', `the payment instruction cannot be opened (${reason})`);
    }
  }

  return {
    async open(reference) {
      if (!TOKEN_PATTERN.test(reference)) return cardVault.open(reference);
      const found = await record(reference);
      if (found.jwe !== undefined) {
        const instruction = await decrypt({ ...found, jwe: found.jwe });
        recentlyOpened.remember(reference, found.jwe, instruction);
        return instrumentJson(instruction);
      }
      if (found.sealed !== undefined) return cardVault.open(found.sealed);
      throw new InstructionUnreadable('instruction_unreadable', `payment instruction ${reference} holds nothing`);
    },

    async answered(reference) {
      if (!TOKEN_PATTERN.test(reference)) return;
      const opened = recentlyOpened.take(reference);
      const found = (await vault.findOne({ _id: reference })) as PaymentInstructionRecord | null;
      if (!found || found.jwe === undefined) return;
      let replacement: Record<string, unknown>;
      try {
        // The instruction this process just opened for the operation, when it is still the stored one; else opened again.
        const instruction =
          opened?.jwe === found.jwe ? opened.instruction : await decrypt({ ...found, jwe: found.jwe });
        const sealed = cardVault.seal(instrumentJson(instruction, true));
        replacement = { sealed, kid: sealedKid(sealed), display: displayOfOpened(instruction) };
      } catch (error) {
        rethrowIfTransient(error);
        // Unreadable: nothing worth keeping, and the JWE goes all the same.
        replacement = {};
      }
      await vault.updateOne(
        { _id: reference, jwe: found.jwe },
        { $set: { ...replacement, answeredAt: now() }, $unset: { jwe: '' } },
      );
    },
  };
}

/** An opener of sealed values only (the legacy single-key vault, tests of the methods without a vault). */
export function sealedInstrumentOpener(cardVault: PurposeKeys): InstrumentOpener {
  return {
    async open(reference) {
      return cardVault.open(reference);
    },
    async answered() {},
  };
}

/**
 * Rethrows an error that does not mean "this instrument cannot be opened": an unknown key id (a retry opens it once
 * the key ring reloads) and anything that is not about the instrument (the database unreachable), so a payment is
 * declined as unreadable only when it is.
 */
export function rethrowUnlessUnreadable(error: unknown): void {
  rethrowIfTransient(error);
  if (error instanceof InstructionUnreadable || error instanceof KeyRingError || error instanceof SyntaxError) return;
  throw error;
}
