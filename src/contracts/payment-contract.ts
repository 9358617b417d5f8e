// The contract between the order workflow and the gateway's payment child workflow: the child's input and result,
// its id, and the gateway's task queue. Types and pure functions only, so workflow code on both sides may import it.

import type { Money } from '../domain/money';
import type { CaptureMode, PaymentStatus } from '../domain/payment';

/** The gateway worker's task queue (GATEWAY_TASK_QUEUE): the only worker holding the bank connection. */
export const DEFAULT_GATEWAY_TASK_QUEUE = 'settleflow-gateway';

/**
 * How the customer pays (the payment notification's `method`): a debit card, an electronic check (an ISO 20022
 * direct debit of the customer's IBAN) or electronic cash (a stored-value wallet at the gateway).
 */
export type PaymentMethod = 'card' | 'echeck' | 'ecash';

/** Every payment method. */
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['card', 'echeck', 'ecash'];

/** What the payment child workflow is asked to do. */
export type PaymentCommand =
  | {
      readonly command: 'authorize';
      /** `card` when absent. `sealedCard` then holds the method's sealed instrument (card, IBAN or wallet). */
      readonly method?: PaymentMethod | undefined;
      /** The paying customer (micropayments are collected per customer and seller; a wallet must be theirs). */
      readonly customerId?: string | undefined;
      readonly orderId: string;
      readonly attempt: number;
      readonly sellerId: string;
      readonly amount: Money;
      readonly captureMode: CaptureMode;
      readonly sealedCard: string;
      /** How long the bank operation may take, retries included. */
      readonly timeoutMs: number;
    }
  | {
      readonly command: 'capture' | 'void';
      readonly method?: PaymentMethod | undefined;
      readonly orderId: string;
      readonly attempt: number;
      readonly sealedCard: string;
      readonly amountMinor?: number | undefined;
      readonly timeoutMs: number;
    }
  | {
      readonly command: 'refund';
      readonly method?: PaymentMethod | undefined;
      readonly orderId: string;
      readonly attempt: number;
      readonly sealedCard: string;
      readonly refundNo: number;
      readonly amountMinor?: number | undefined;
      readonly settled: boolean;
      readonly timeoutMs: number;
    };

/** A payment's state as the child workflow returns it. */
export interface PaymentSummary {
  paymentId: string;
  status: PaymentStatus;
  amount: Money;
  authorizedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  declineCode?: string | undefined;
  last4: string;
}

/** The payment id of an order's payment attempt. */
export function paymentIdFor(orderId: string, attempt: number): string {
  return `payment-${orderId}-${attempt}`;
}

/**
 * The child workflow's id: `payment-<orderId>-<attempt>` for the authorization, with `-capture`, `-void` or
 * `-refund-<n>` for what follows it.
 */
export function paymentWorkflowId(command: PaymentCommand): string {
  const base = paymentIdFor(command.orderId, command.attempt);
  if (command.command === 'authorize') return base;
  if (command.command === 'refund') return `${base}-refund-${command.refundNo}`;
  return `${base}-${command.command}`;
}
