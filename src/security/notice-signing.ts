// The gateway's signature on the notices that tell a seller about money: the transfer notice and the bank settlement
// note (step 8). Each is signed as a compact JWS (ES256 under the key ring's current `signing` key, its `kid` and
// `typ: settleflow-notice+jws` in the protected header) over a canonical payload: the notice's money facts (order,
// seller, batch and line, amounts in integer minor units, currency, issued-at) as JSON with a fixed key order, so
// the same notice always gives the same bytes to sign. Sellers verify it with the JWKS (`/.well-known/jwks.json`).
// Runs in activities only (keys and signatures are not deterministic, so never in workflow code); never logs a key.

import type { NoticeDraft, NoticeKind } from '../contracts/order-contract';
import { signCompact } from './jose-keys';
import { KeyRing } from './key-ring';
import type { KeyVault } from './purpose-keys';

/** The notice kinds the gateway signs. */
export const SIGNED_NOTICE_KINDS: readonly NoticeKind[] = ['TRANSFER_NOTICE', 'SETTLEMENT_NOTE'];

/** The version of the signed payload's layout, in the payload (`v`), so a verifier knows which fields to expect. */
export const NOTICE_CLAIMS_VERSION = 1;

/** An amount as the notices carry it: integer minor units and an ISO 4217 code. */
interface MoneyField {
  amount: number;
  currency: string;
}

/** What a signed transfer notice asserts. */
export interface TransferNoticeClaims {
  v: number;
  kind: 'TRANSFER_NOTICE';
  noticeId: string;
  orderId: string;
  sellerId: string;
  transferNoticeId: string;
  /** The settlement batch that paid the order out, and the order's line in it (null when paid out per order). */
  batchId: string | null;
  lineId: string | null;
  currency: string;
  /** The amount transferred to the seller (the net), in minor units. */
  amountMinor: number;
  issuedAt: string;
}

/** What a signed bank settlement note asserts. */
export interface SettlementNoteClaims {
  v: number;
  kind: 'SETTLEMENT_NOTE';
  noticeId: string;
  orderId: string;
  sellerId: string;
  settlementNoteId: string;
  transferNoticeId: string;
  batchId: string | null;
  lineId: string | null;
  currency: string;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
  settledAt: string;
  issuedAt: string;
}

/** The payload of a signed notice. */
export type NoticeClaims = TransferNoticeClaims | SettlementNoteClaims;

function text(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value === '') throw new Error(`a notice to sign has no ${name}`);
  return value;
}

function optionalText(payload: Record<string, unknown>, name: string): string | null {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function money(payload: Record<string, unknown>, name: string): MoneyField {
  const value = payload[name] as Partial<MoneyField> | undefined;
  if (!value || !Number.isSafeInteger(value.amount) || typeof value.currency !== 'string') {
    throw new Error(`a notice to sign has no ${name} in integer minor units`);
  }
  return { amount: value.amount as number, currency: value.currency };
}

/**
 * The canonical payload of a notice the gateway signs, keys in a fixed order; undefined for a kind it does not sign.
 * @throws Error when a transfer notice or settlement note lacks a field it must carry (a bug, never user input)
 */
export function noticeClaims(draft: NoticeDraft): NoticeClaims | undefined {
  const payload = draft.payload;
  if (draft.kind === 'TRANSFER_NOTICE') {
    const amount = money(payload, 'amount');
    return {
      v: NOTICE_CLAIMS_VERSION,
      kind: 'TRANSFER_NOTICE',
      noticeId: draft.noticeId,
      orderId: draft.orderId,
      sellerId: draft.recipientId,
      transferNoticeId: text(payload, 'transferNoticeId'),
      batchId: optionalText(payload, 'batchId'),
      lineId: optionalText(payload, 'lineId'),
      currency: amount.currency,
      amountMinor: amount.amount,
      issuedAt: draft.at,
    };
  }
  if (draft.kind === 'SETTLEMENT_NOTE') {
    const [gross, fee, net] = [money(payload, 'gross'), money(payload, 'fee'), money(payload, 'net')];
    if (fee.currency !== gross.currency || net.currency !== gross.currency) {
      throw new Error('a settlement note to sign mixes currencies');
    }
    return {
      v: NOTICE_CLAIMS_VERSION,
      kind: 'SETTLEMENT_NOTE',
      noticeId: draft.noticeId,
      orderId: draft.orderId,
      sellerId: draft.recipientId,
      settlementNoteId: text(payload, 'settlementNoteId'),
      transferNoticeId: text(payload, 'transferNoticeId'),
      batchId: optionalText(payload, 'batchId'),
      lineId: optionalText(payload, 'lineId'),
      currency: gross.currency,
      grossMinor: gross.amount,
      feeMinor: fee.amount,
      netMinor: net.amount,
      settledAt: text(payload, 'settledAt'),
      issuedAt: draft.at,
    };
  }
  return undefined;
}

/**
 * The notices with a `signature` (compact JWS over {@link noticeClaims}) on each transfer notice and settlement note;
 * the others, and every notice when `vault` is not a key ring holding `signing` (the legacy single-key vault of old
 * test rigs), unchanged. Returns `drafts` itself when there is nothing to sign.
 */
export async function signNotices(vault: KeyVault, drafts: NoticeDraft[]): Promise<NoticeDraft[]> {
  if (!(vault instanceof KeyRing) || !drafts.some((draft) => SIGNED_NOTICE_KINDS.includes(draft.kind))) return drafts;
  return Promise.all(
    drafts.map(async (draft) => {
      const claims = noticeClaims(draft);
      if (!claims) return draft;
      return { ...draft, signature: await signCompact(vault, { ...claims }) };
    }),
  );
}
