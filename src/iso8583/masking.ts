// What of an ISO 8583 message may appear in a log, a recorded exchange or an error: the mask rule of each field
// (field-specs.ts) applied to its value. Must never return a PAN's middle digits, a track, a PIN block, an expiry or a
// CVC; a field the profile does not know is not shown at all. Pure: no I/O.

import { fieldSpec } from './field-specs';
import type { IsoMessage, IsoValue } from './message';

/** PANs shorter than this are masked whole: showing 6 + 4 of them would show most of the number. */
const MIN_PAN_LENGTH_FOR_BIN = 13;

/**
 * Masks a card number for display: the first 6 and last 4 digits stay, every other character becomes `*`.
 * Below 13 characters everything is masked. Never returns any of the characters between the first 6 and last 4.
 */
export function maskPan(pan: string): string {
  if (pan.length < MIN_PAN_LENGTH_FOR_BIN) return '*'.repeat(pan.length);
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** Masks an account id: the last 4 characters stay (none below 8 characters), the rest becomes `*`. */
export function maskAccount(account: string): string {
  if (account.length < 8) return '*'.repeat(account.length);
  return `${'*'.repeat(account.length - 4)}${account.slice(-4)}`;
}

/** How one field's value is shown in logs, by its spec's mask rule. Unknown fields show only their size. */
export function maskField(field: number, value: IsoValue): string {
  const spec = fieldSpec(field);
  if (spec?.mask === 'secret') return '[masked]';
  if (typeof value !== 'string') return `[${value.length} bytes]`;
  switch (spec?.mask) {
    case 'clear':
      return value;
    case 'pan':
      return maskPan(value);
    case 'account':
      return maskAccount(value);
    case 'summary':
    case undefined:
      return `[${value.length} chars]`;
  }
}

/** The message's fields, masked, keyed by field number in ascending order. */
export function maskedFields(message: IsoMessage): Record<string, string> {
  const numbers = [...message.fields.keys()].sort((a, b) => a - b);
  const masked: Record<string, string> = {};
  for (const number of numbers) {
    const value = message.fields.get(number);
    if (value !== undefined) masked[String(number)] = maskField(number, value);
  }
  return masked;
}

/**
 * One log line for a message: `0100 2=424242******4242 3=000000 4=000000001000 ... 52=[masked] 55=[42 bytes]`.
 * Safe to log: every field goes through its mask rule.
 */
export function describe(message: IsoMessage): string {
  const parts = [/^\d{4}$/.test(message.mti) ? message.mti : '[invalid mti]'];
  for (const [number, value] of Object.entries(maskedFields(message))) parts.push(`${number}=${value}`);
  return parts.join(' ');
}
