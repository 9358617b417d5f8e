// The order's saga: the undo steps registered as the order gets further, and running them newest first when the
// order is cancelled. Deterministic workflow code: money moves only through the refund function it is given, and
// the other undo steps are notices to the parties that must let go of the order. A notice must never tell its
// recipient more than its view of the order does (the reason as `cancellationReasonShownTo` has it), and nothing is
// released once the goods are delivered.

import type { NoticeDraft } from '../contracts/order-contract';
import { notice } from '../contracts/order-contract';
import type { CancellationReason, CompensationType, OrderView } from '../domain/order';
import { cancellationReasonShownTo } from '../domain/order-views';

/** An undo step, registered just before the step it undoes. */
export type Compensation = 'RESERVATION' | 'TRANSPORT' | 'PAYMENT';

/** What undoing the payment did at the bank. */
export type PaymentReversalOutcome = 'REFUNDED' | 'VOIDED' | 'NONE';

/** The undo steps registered for one order, each at most once. */
export class OrderSaga {
  private readonly registered: Compensation[] = [];

  /** Registers an undo step; registering it again changes nothing. */
  register(step: Compensation): void {
    if (!this.registered.includes(step)) this.registered.push(step);
  }

  /**
   * Runs the undo steps newest first and records each on the order's `compensations`. Once a `delivered` shipment
   * event exists the transport and the reservation were used, not undone: only the payment is reversed.
   * @param reverse refunds or voids the payment (a money activity: it must run to its end)
   * @returns the notices to send: the supplier's reservation release, the carrier's transport cancellation, each
   *   with the reason only when its recipient may read it
   */
  async compensate(
    order: OrderView,
    reason: CancellationReason,
    at: () => string,
    reverse: () => Promise<PaymentReversalOutcome>,
  ): Promise<NoticeDraft[]> {
    const notices: NoticeDraft[] = [];
    const done = (type: CompensationType) => order.compensations.push({ type, at: at() });
    const delivered = order.shipment.events.some((event) => event.type === 'delivered');
    for (const step of [...this.registered].reverse()) {
      if (step === 'PAYMENT') {
        const reversal = await reverse();
        if (reversal === 'REFUNDED') done('PAYMENT_REFUNDED');
        if (reversal === 'VOIDED') done('PAYMENT_VOIDED');
      } else if (delivered) {
        continue;
      } else if (step === 'TRANSPORT' && order.carrierId) {
        const shown = cancellationReasonShownTo('carrier', reason);
        notices.push(
          notice('TRANSPORT_CANCELLATION', order.orderId, order.carrierId, at(), shown ? { reason: shown } : {}),
        );
        done('TRANSPORT_CANCELLED');
      } else if (step === 'RESERVATION') {
        const shown = cancellationReasonShownTo('supplier', reason);
        notices.push(
          notice('RESERVATION_RELEASE', order.orderId, order.supplierId, at(), {
            reservationId: order.supplierAnswer?.reservationId,
            ...(shown ? { reason: shown } : {}),
          }),
        );
        done('RESERVATION_RELEASED');
      }
    }
    return notices;
  }
}
