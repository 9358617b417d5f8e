// Operators read a payment's state and every ISO 8583 message exchanged with the bank for it, as recorded with their
// fields masked (`bank_messages`): sign-offs of what was sent and answered, late and duplicate answers included.
// Operators only; nothing here is ever shown in clear (the record holds masked fields only).

import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
import type { BankMessageRecord } from '../gateway/bank-connector/message-log';
import { BANK_MESSAGES } from '../gateway/bank-connector/message-log';
import { rrnFor } from '../gateway/bank-connector/card-client';
import type { PaymentRecord } from '../gateway/card-payments';
import { GATEWAY_PAYMENTS } from '../gateway/card-payments';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import { requireRole } from './auth';

const PAYMENT_ID = /^payment-[A-Za-z0-9_.:-]{1,200}$/;

function paymentNotFound(paymentId: string): ApiError {
  return new ApiError(404, 'not_found_error', 'payment_not_found', `no payment ${paymentId}`, 'paymentId');
}

async function paymentOf(deps: Pick<ApiDeps, 'db'>, req: Request): Promise<PaymentRecord> {
  const paymentId = String(req.params.paymentId);
  if (!PAYMENT_ID.test(paymentId)) throw paymentNotFound(paymentId);
  const payment = (await deps.db.connection
    .collection<PaymentRecord>(GATEWAY_PAYMENTS)
    .findOne({ _id: paymentId })) as PaymentRecord | null;
  if (!payment) throw paymentNotFound(paymentId);
  return payment;
}

/** GET /v1/payments/:paymentId and GET /v1/payments/:paymentId/messages, for operators. */
export function paymentsRouter(deps: Pick<ApiDeps, 'db'>, authenticated: RequestHandler): Router {
  const router = Router();
  const operator = requireRole('operator');

  router.get('/v1/payments/:paymentId', authenticated, operator, async (req, res) => {
    const { _id, ...payment } = await paymentOf(deps, req);
    res.json({ ...payment, paymentId: _id, refunds: payment.refunds ?? [] });
  });

  router.get('/v1/payments/:paymentId/messages', authenticated, operator, async (req, res) => {
    const payment = await paymentOf(deps, req);
    const rrns = [rrnFor(`${payment._id}:authorization`), ...(payment.refunds ?? []).map((refund) => refund.rrn)];
    const messages = (await deps.db.connection
      .collection<BankMessageRecord>(BANK_MESSAGES)
      .find({ rrn: { $in: rrns } })
      .sort({ at: 1 })
      .toArray()) as BankMessageRecord[];
    res.json({
      paymentId: payment._id,
      data: messages.map(({ _id, ...message }) => ({ id: _id, ...message })),
    });
  });
  return router;
}
