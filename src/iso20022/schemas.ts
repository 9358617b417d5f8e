// The zod schemas and types shared by every ISO 20022 message of settleflow: texts, identifiers, date-times,
// amounts (integer minor units), parties, agents, accounts and reasons. Pure; no value is ever echoed in an error.

import { z } from 'zod';
import type { Money } from '../domain/money';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { isValidBic, isValidIban } from './identifiers';

// Control characters (tab, newline...) are refused: XML parsers normalize them and they never belong in these fields.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\ud800-\udfff\ufffe\uffff]/;

/**
 * A `MaxNText` of ISO 20022: 1..N characters, no control characters, no leading or trailing spaces (parsers trim
 * them, so such a value would not survive a round trip).
 */
export function textSchema(maxLength: number): z.ZodString {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters' })
    .refine((value) => value.trim() === value, { message: 'must not start or end with spaces' });
}

/** A message, instruction, end-to-end, transaction or return id (`Max35Text`). */
export const identifierSchema = textSchema(35);

/** An ISO 20022 date-time with an explicit offset (`2025-03-01T09:30:00Z`, `2025-03-01T10:30:00.250+01:00`). */
export const dateTimeSchema = z
  .string()
  .pipe(z.iso.datetime({ offset: true }))
  .refine((value) => /(Z|[+-]\d{2}:\d{2})$/.test(value), { message: 'offset must be Z or ±hh:mm' });

/** An ISO date (`2025-03-01`). */
export const dateSchema = z.iso.date();

/** An ISO 4217 alphabetic currency code. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' });

/** An amount: `amount` is an integer count of the currency's minor units (cents for EUR, yen for JPY, fils for KWD). */
export const moneySchema: z.ZodType<Money> = z.object({
  amount: z.number().int().min(0).max(MAX_AMOUNT_MINOR),
  currency: currencySchema,
});

/** A positive amount, as a payment's settlement amount must be. */
export const positiveMoneySchema: z.ZodType<Money> = moneySchema.refine((value) => value.amount > 0, {
  message: 'amount must be positive',
});

/** An IBAN in electronic format whose mod-97 check digits are right. */
export const ibanSchema = z.string().refine(isValidIban, { message: 'must be an IBAN with valid check digits' });

/** A BIC of 8 or 11 characters. */
export const bicSchema = z.string().refine(isValidBic, { message: 'must be a BIC of 8 or 11 characters' });

/** A party (debtor, creditor, initiating party), known by its name. */
export const partySchema = z.object({ name: textSchema(140) });
/** A party (debtor, creditor, initiating party), known by its name. */
export type Party = z.infer<typeof partySchema>;

/** A financial institution (debtor agent, creditor agent, instructing and instructed agents), known by its BIC. */
export const agentSchema = z.object({ bic: bicSchema });
/** A financial institution, known by its BIC. */
export type Agent = z.infer<typeof agentSchema>;

/** A cash account, known by its IBAN. */
export const accountSchema = z.object({ iban: ibanSchema });
/** A cash account, known by its IBAN. */
export type Account = z.infer<typeof accountSchema>;

/** An external code of ISO 20022 (reason, bank transaction code part): 1..4 upper-case letters or digits. */
export const externalCodeSchema = z.string().regex(/^[A-Z0-9]{1,4}$/, { message: 'must be an ISO external code' });

/**
 * Why a payment was rejected or returned: an ISO external reason code (`AC04`, `AM04`, `MD06`...) or a proprietary
 * one, with optional free-text lines (`Max105Text` each).
 */
export const reasonSchema = z
  .object({
    code: externalCodeSchema.optional(),
    proprietary: textSchema(35).optional(),
    additionalInformation: z.array(textSchema(105)).min(1).optional(),
  })
  .refine((reason) => (reason.code === undefined) !== (reason.proprietary === undefined), {
    message: 'a reason has either an ISO code or a proprietary code',
  });
/** Why a payment was rejected or returned. */
export type Reason = z.infer<typeof reasonSchema>;

/** How the interbank settlement is made (`CLRG` through a clearing system, `INDA`/`INGA` over agent accounts). */
export const settlementMethodSchema = z.enum(['CLRG', 'INDA', 'INGA']);
/** How the interbank settlement is made. */
export type SettlementMethod = z.infer<typeof settlementMethodSchema>;

/** Who bears the charges (`SLEV`: as the service level says, the usual value for SEPA-like schemes). */
export const chargeBearerSchema = z.enum(['SLEV', 'DEBT', 'CRED', 'SHAR']);
/** Who bears the charges. */
export type ChargeBearer = z.infer<typeof chargeBearerSchema>;

/** A message name with its version, as ISO 20022 writes it in `OrgnlMsgNmId` (`pacs.003.001.08`). */
export const messageNameSchema = z
  .string()
  .regex(/^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/, { message: 'must be a message name such as pacs.003.001.08' });

/** A reference to the message a status report or return is about. */
export const originalGroupSchema = z.object({
  messageId: identifierSchema,
  messageName: messageNameSchema,
  createdAt: dateTimeSchema.optional(),
});
/** A reference to the message a status report or return is about. */
export type OriginalGroup = z.infer<typeof originalGroupSchema>;

/** Checks that every amount of a batch has one currency, so its control sum and total are exact. */
export function isSingleCurrency(amounts: readonly Money[]): boolean {
  return amounts.every((amount) => amount.currency === amounts[0]?.currency);
}

/** Checks that the sum of a batch's amounts stays an exact integer of minor units. */
export function hasExactSum(amounts: readonly Money[]): boolean {
  return amounts.reduce((sum, amount) => sum + amount.amount, 0) <= MAX_AMOUNT_MINOR;
}
