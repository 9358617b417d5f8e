// The gateway's vault of payment instructions (`payment_instructions`): what a payment notification's instrument
// (card, IBAN, wallet) becomes at the API's edge. The API deposits the instruction encrypted to the gateway's
// payment-instructions key (a compact JWE, RSA-OAEP-256 with A256GCM) and hands the workflows only its token
// `pm_...`; this module is the depositing half and must never decrypt (the API process holds no private key).

import { randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import type { Connection } from 'mongoose';
import type { PaymentMethod } from '../../contracts/payment-contract';
import { cardBrand } from '../../domain/card';
import type { Database } from '../../persistence/database';
import { isDuplicateKeyError } from '../../persistence/database';
import { KeyRingError } from '../../security/key-errors';
import type { KeyRing } from '../../security/key-ring';

/** The vault's collection (the gateway's). */
export const PAYMENT_INSTRUCTIONS = 'payment_instructions';

/** The JWE `typ` of a payment instruction. */
export const INSTRUCTION_TYPE = 'settleflow-payment-instruction+jwe';

/** A vault token: `pm_` and 32 hex characters; the only form of an instruction that enters Temporal history. */
export const TOKEN_PATTERN = /^pm_[0-9a-f]{32}$/;

/**
 * A payment instruction in clear, as the customer gives it (the plain notification's instrument, or what the
 * customer encrypts in the signed form): exactly one of the method's parts.
 */
export type PaymentInstruction =
  | { method: 'card'; card: { number: string; expMonth: number; expYear: number; cvc: string } }
  | { method: 'echeck'; echeck: { iban: string; accountHolder: string } }
  | { method: 'ecash'; ecash: { walletId: string } };

/** What may be shown of an instrument: never enough to pay with. */
export interface InstrumentDisplay {
  /** `visa`, `mastercard`, `amex`, `other`, `echeck`, `ecash`; `card` while the gateway has not opened it yet. */
  brand: string;
  /** The last four digits (card, IBAN) or characters (wallet id); `????` while unknown. */
  last4: string;
  /** A card's first six digits (its issuer), once the gateway has opened it. */
  bin?: string | undefined;
}

/** The customer's dual signature over an instruction (the signed notification): the gateway checks it again. */
export interface InstructionLink {
  /** The compact JWS by the customer's key over SHA-256(SHA-256(OI) || SHA-256(PI)). */
  dualSignature: string;
  /** SHA-256 (base64url) of the order information the API checked. */
  oiHash: string;
  /** The customer key's id the signature names. */
  kid: string;
}

/** A vault record. */
export interface PaymentInstructionRecord {
  /** The token. */
  _id: string;
  method: PaymentMethod;
  customerId: string;
  /** The instruction as deposited (compact JWE); deleted, with the CVC inside it, once its first operation is answered. */
  jwe?: string | undefined;
  /** From then on: the instrument without CVC, sealed under the card-vault key named in the value and in `kid`. */
  sealed?: string | undefined;
  /** The card-vault key id `sealed` is under. */
  kid?: string | undefined;
  display: InstrumentDisplay;
  link?: InstructionLink | undefined;
  createdAt: Date;
  /** When the first operation was answered and the JWE (and the CVC) destroyed. */
  answeredAt?: Date | undefined;
}

/** The vault's collection on `db`. */
export function instructionCollection(db: Pick<Database, 'connection'>) {
  return (db.connection as Connection).collection<PaymentInstructionRecord>(PAYMENT_INSTRUCTIONS);
}

/** A new vault token. */
export function newToken(): string {
  return `pm_${randomBytes(16).toString('hex')}`;
}

/** What the API can show of an instruction it holds in clear (the plain notification form). */
export function displayOf(instruction: PaymentInstruction): InstrumentDisplay {
  switch (instruction.method) {
    case 'card':
      return { brand: cardBrand(instruction.card.number), last4: instruction.card.number.slice(-4) };
    case 'echeck':
      return { brand: 'echeck', last4: instruction.echeck.iban.slice(-4) };
    case 'ecash':
      return { brand: 'ecash', last4: instruction.ecash.walletId.slice(-4) };
  }
}

/**
 * Encrypts an instruction to the gateway's current payment-instructions key: a compact JWE (RSA-OAEP-256, A256GCM)
 * whose header names the key. What a customer's client does itself in the signed form.
 */
export async function encryptInstruction(ring: KeyRing, instruction: PaymentInstruction): Promise<string> {
  const { kid, alg, publicKey } = await currentEncryptionKey(ring);
  return new CompactEncrypt(Buffer.from(JSON.stringify(instruction), 'utf8'))
    .setProtectedHeader({ alg, enc: 'A256GCM', kid, typ: INSTRUCTION_TYPE })
    .encrypt(publicKey);
}

/**
 * The gateway's current payment-instructions key. The gateway worker creates the first one: a process that loaded the
 * key ring before that reloads once before it gives up.
 * @throws KeyRingError `no_active_key` when there is none even then
 */
export async function currentEncryptionKey(ring: KeyRing): Promise<ReturnType<KeyRing['encryptionKey']>> {
  try {
    return ring.encryptionKey();
  } catch (error) {
    if (!(error instanceof KeyRingError) || error.code !== 'no_active_key') throw error;
    await ring.refresh();
    return ring.encryptionKey();
  }
}

/**
 * Deposits an encrypted instruction and answers its token. The vault keeps the JWE until the instruction's first
 * operation is answered; nothing here can open it.
 */
export async function depositInstruction(
  db: Pick<Database, 'connection'>,
  input: {
    method: PaymentMethod;
    customerId: string;
    jwe: string;
    display: InstrumentDisplay;
    link?: InstructionLink | undefined;
    now?: Date;
    /**
     * The token to deposit under (a retry of the same request deposits the same instruction under the same token;
     * one already there is kept). A new one when absent.
     */
    token?: string;
  },
): Promise<string> {
  const token = input.token ?? newToken();
  try {
    await instructionCollection(db).insertOne({
      _id: token,
      method: input.method,
      customerId: input.customerId,
      jwe: input.jwe,
      display: input.display,
      ...(input.link ? { link: input.link } : {}),
      createdAt: input.now ?? new Date(),
    });
  } catch (error) {
    if (input.token === undefined || !isDuplicateKeyError(error)) throw error;
  }
  return token;
}

/**
 * Deletes a deposited instruction that no operation will ever use (the order's workflow refused the notification
 * before its payment started), so its CVC is not kept. An instruction the gateway has opened is left alone.
 */
export async function discardInstruction(db: Pick<Database, 'connection'>, token: string): Promise<void> {
  if (!TOKEN_PATTERN.test(token)) return;
  await instructionCollection(db).deleteOne({ _id: token, answeredAt: { $exists: false } });
}

/**
 * The plain notification form: encrypts the clear instruction to the gateway's key at once and deposits it; the
 * clear instruction is not kept. Answers the token and what may be shown.
 */
export async function depositClearInstruction(
  db: Pick<Database, 'connection'>,
  ring: KeyRing,
  customerId: string,
  instruction: PaymentInstruction,
): Promise<{ token: string; display: InstrumentDisplay }> {
  const display = displayOf(instruction);
  const jwe = await encryptInstruction(ring, instruction);
  const token = await depositInstruction(db, { method: instruction.method, customerId, jwe, display });
  return { token, display };
}
