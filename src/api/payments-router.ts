// Operators read a payment's state and every ISO 8583 message exchanged with the bank for it, as recorded with their
// fields masked (`bank_messages`), late and duplicate answers included. Operators only (declared in routes.ts);
// nothing here is ever shown in clear: the record holds masked fields only.

import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
import { rrnFor } from '../gateway/bank-connector/card-client';
import { findBankMessages } from '../gateway/bank-connector/message-log';
import type { PaymentRecord } from '../gateway/card-payments';
import { GATEWAY_PAYMENTS } from '../gateway/card-payments';
import { iso20022MessagesOf } from '../gateway/echeck-payments';
import type { ApiDeps } from './api-deps';
import { ApiError } from './api-error';
import { mountRoute } from './route-registry';
import { getPaymentRoute, listPaymentMessagesRoute, paymentPathParams } from './routes';

function paymentNotFound(paymentId: string): ApiError {
  return new ApiError(404, 'not_found_error', 'payment_not_found', `no payment ${paymentId}`, 'paymentId');
}

async function paymentOf(deps: Pick<ApiDeps, 'db'>, req: Request): Promise<PaymentRecord> {
  const paymentId = String(req.params.paymentId);
  if (!paymentPathParams.shape.paymentId.safeParse(paymentId).success) throw paymentNotFound(paymentId);
  const payment = (await deps.db.connection
    .collection<PaymentRecord>(GATEWAY_PAYMENTS)
    .findOne({ _id: paymentId })) as PaymentRecord | null;
  if (!payment) throw paymentNotFound(paymentId);
  return payment;
}

/** GET /v1/payments/:paymentId and GET /v1/payments/:paymentId/messages, for operators. */
export function paymentsRouter(deps: Pick<ApiDeps, 'db'>, authenticated: RequestHandler): Router {
  const router = Router({ caseSensitive: true });
  const guards = { authenticated };

  mountRoute(router, getPaymentRoute, guards, async (req, res) => {
    const { _id, createdAt: _c, updatedAt: _u, authorization: _a, ...payment } = await paymentOf(deps, req);
    res.json({ ...payment, paymentId: _id, refunds: payment.refunds ?? [] });
  });

  mountRoute(router, listPaymentMessagesRoute, guards, async (req, res) => {
    const payment = await paymentOf(deps, req);
    // A micropayment's bank messages are its aggregate's (one purchase for every member, and its refunds).
    const aggregateId = (payment as { micropayment?: { aggregatePaymentId?: string } }).micropayment
      ?.aggregatePaymentId;
    const rrns = [
      rrnFor(`${payment._id}:authorization`),
      ...(aggregateId === undefined ? [] : [rrnFor(`${aggregateId}:authorization`)]),
      ...(payment.refunds ?? []).flatMap((refund) => (refund.rrn === undefined ? [] : [refund.rrn])),
    ];
    const messages = await findBankMessages(deps.db.connection, rrns);
    const documents = await iso20022MessagesOf(deps.db, payment._id);
    res.json({
      paymentId: payment._id,
      data: messages.map(({ _id, at, ...message }) => ({ id: _id, ...message, at: new Date(at).toISOString() })),
      documents: documents.map(({ _id, paymentId: _p, at, ...document }) => ({
        id: _id,
        ...document,
        at: new Date(at).toISOString(),
      })),
    });
  });
  return router;
}
