// Display helpers: money in minor units, times, statuses. Pure.

/** `12500, 'EUR'` → `€125.00`, with the currency's own number of decimals. */
export function formatMoney(money: { amount: number; currency: string } | undefined): string {
  if (!money) return '—';
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** digits);
}

/** An ISO time as a short local date and time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `AWAITING_SUPPLIER` → `Awaiting supplier`. */
export function humanize(code: string | undefined): string {
  if (!code) return '—';
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Milliseconds as a short duration: `48 h`, `90 s`, `1.5 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The ten lifecycle steps, numbered as the API numbers them. */
export const STEPS: readonly { step: number; name: string; label: string }[] = [
  { step: 1, name: 'ORDER_PLACED', label: 'Order placed' },
  { step: 2, name: 'SUPPLIER_INQUIRY', label: 'Supplier inquiry' },
  { step: 3, name: 'SUPPLIER_ANSWER', label: 'Supplier answer' },
  { step: 4, name: 'TRANSPORT_INQUIRY', label: 'Transport inquiry' },
  { step: 5, name: 'CARRIER_ANSWER', label: 'Carrier answer' },
  { step: 6, name: 'ORDER_CONFIRMED', label: 'Order confirmed' },
  { step: 7, name: 'DELIVERY_AND_PAYMENT', label: 'Delivery and payment' },
  { step: 8, name: 'TRANSFER_NOTICE', label: 'Transfer notice' },
  { step: 9, name: 'SELLER_CONFIRMATION', label: 'Seller confirmation' },
  { step: 10, name: 'DEAL_CLOSED', label: 'Deal closed' },
];

/** Every order status, in lifecycle order. */
export const ORDER_STATUSES = [
  'PLACED',
  'AWAITING_SUPPLIER',
  'AWAITING_CARRIER',
  'CONFIRMED',
  'IN_DELIVERY',
  'AWAITING_SELLER_CONFIRMATION',
  'DISPUTED',
  'NEEDS_ATTENTION',
  'CLOSED',
  'CANCELLED',
] as const;

/** What an operator may do about each reason an order needs attention (as the API's ATTENTION_ACTIONS). */
export const ATTENTION_ACTIONS: Record<string, readonly ('RETRY' | 'CANCEL' | 'EXTEND')[]> = {
  PAYMENT_UNKNOWN: ['RETRY', 'CANCEL'],
  PAYOUT_UNKNOWN: ['RETRY', 'CANCEL'],
  REFUND_UNKNOWN: ['RETRY'],
  DELIVERY_OVERDUE: ['EXTEND', 'CANCEL'],
  DISPUTE_OVERDUE: ['EXTEND', 'CANCEL'],
  SETTLEMENT_OVERDUE: ['EXTEND'],
};
