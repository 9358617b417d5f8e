// Card operations over the bank connection: authorization (0100), purchase and refund (0200), capture (0220 advice
// completing an authorization), void (0400 of the authorization) and reversal (0420 advice of a request whose
// outcome is unknown). Builds each JSON payment message, converts it with src/iso8583, sends it, records request and
// answer (masked) and reads the answer. Never holds card data beyond one call; never logs a field in clear.

import { createHash } from 'node:crypto';
import type { IsoMessage } from '../../iso8583';
import {
  authorizationRequest,
  declineCodeFor,
  authorizationResponse,
  financialAdvice,
  financialAdviceResponse,
  financialRequest,
  financialResponse,
  responseOutcome,
  reversalAdvice,
  reversalAdviceResponse,
  reversalRequest,
  reversalResponse,
} from '../../iso8583';
import type {
  Acceptor,
  Card,
  CardReference,
  CardResponse,
  OriginalData,
  ReversalResponse,
  TransactionAmount,
  TransactionType,
} from '../../iso8583';
import type { BankConnection } from './bank-connection';
import { BankRequestError } from './bank-connection';
import type { BankMessageLog } from './message-log';

/** What the bank said, as the gateway acts on it. */
export type CardAnswer =
  | {
      readonly outcome: 'approved';
      readonly responseCode: string;
      readonly authorizationCode: string | undefined;
      /** The request as field 90 of a follow-up names it. */
      readonly original: OriginalData;
    }
  | {
      readonly outcome: 'declined';
      readonly responseCode: string;
      /** Stripe's decline code for the field 39 code. */
      readonly declineCode: string;
      /** Whether the same request might succeed later (91, 96). */
      readonly retryLater: boolean;
    }
  | {
      /** Sent but not answered (timeout, connection lost): the bank may have acted. */
      readonly outcome: 'unknown';
      readonly reason: string;
      readonly original: OriginalData;
    }
  | {
      /** Never sent (not connected, too many in flight): nothing happened at the bank. */
      readonly outcome: 'not_sent';
      readonly reason: string;
    };

/** The deterministic RRN (field 37) of a payment's operation: 12 uppercase hex characters of a SHA-256. */
export function rrnFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12).toUpperCase();
}

/** A seller as the card acceptor (fields 41, 42, 18): a 15-character merchant id derived from the seller id. */
export function acceptorFor(sellerId: string, terminalId: string): Acceptor {
  return { terminalId, merchantId: `SF${rrnFor(`merchant:${sellerId}`).slice(0, 13)}`, mcc: '5999' };
}

/** The common part of a card request. */
export interface CardRequestBase {
  readonly rrn: string;
  /** settleflow's reference (field 60): the payment id and operation. */
  readonly reference: string;
  readonly orderReference?: string | undefined;
  readonly acceptor: Acceptor;
  readonly amount: TransactionAmount;
  readonly timeoutMs?: number | undefined;
}

/** Card operations on one bank connection. */
export class CardClient {
  constructor(
    private readonly connection: BankConnection,
    private readonly messages: BankMessageLog,
    private readonly acquirerId: string,
  ) {}

  /** `0100`: reserves the amount on the card. */
  authorize(request: CardRequestBase & { readonly card: Card }): Promise<CardAnswer> {
    return this.exchange(request.timeoutMs, '0100', (trace) =>
      authorizationRequest.toIso8583({ ...this.base(request, trace), card: request.card }),
    );
  }

  /** `0200`: a purchase taken at once, or a refund to the card. */
  financial(
    request: CardRequestBase & { readonly card: Card; readonly transactionType: TransactionType },
  ): Promise<CardAnswer> {
    return this.exchange(request.timeoutMs, '0200', (trace) =>
      financialRequest.toIso8583({
        ...this.base(request, trace),
        card: request.card,
        transactionType: request.transactionType,
      }),
    );
  }

  /** `0220`: captures (all or part of) an authorization. */
  capture(
    request: CardRequestBase & {
      readonly card: CardReference;
      readonly authorizationCode: string;
      readonly original: OriginalData;
    },
  ): Promise<CardAnswer> {
    return this.exchange(request.timeoutMs, '0220', (trace) =>
      financialAdvice.toIso8583({
        ...this.base(request, trace),
        card: request.card,
        authorizationCode: request.authorizationCode,
        original: request.original,
      }),
    );
  }

  /**
   * `0400` (a void, answered by the bank's decision) or `0420` (an advice of a request whose outcome is unknown, which
   * the bank must acknowledge) of the original request.
   */
  reverse(
    mti: '0400' | '0420',
    request: CardRequestBase & {
      readonly card: CardReference;
      readonly transactionType: TransactionType;
      readonly original: OriginalData;
      readonly authorizationCode?: string | undefined;
    },
  ): Promise<CardAnswer> {
    const conversion = mti === '0400' ? reversalRequest : reversalAdvice;
    return this.exchange(request.timeoutMs, mti, (trace) =>
      conversion.toIso8583({
        ...this.base(request, trace),
        card: request.card,
        transactionType: request.transactionType,
        original: request.original,
        ...(request.authorizationCode === undefined ? {} : { authorizationCode: request.authorizationCode }),
      }),
    );
  }

  private base(request: CardRequestBase, trace: { stan: string; transmittedAt: string }) {
    return {
      stan: trace.stan,
      rrn: request.rrn,
      transmittedAt: trace.transmittedAt,
      acquirerId: this.acquirerId,
      acceptor: request.acceptor,
      amount: request.amount,
      reference: request.reference,
      ...(request.orderReference === undefined ? {} : { orderReference: request.orderReference }),
    };
  }

  private async exchange(
    timeoutMs: number | undefined,
    mti: '0100' | '0200' | '0220' | '0400' | '0420',
    build: (trace: { stan: string; transmittedAt: string }) => IsoMessage,
  ): Promise<CardAnswer> {
    let original: OriginalData | undefined;
    let answer: IsoMessage;
    try {
      answer = await this.connection.request(
        (trace) => {
          const message = build(trace);
          original = { mti: mti as OriginalData['mti'], stan: trace.stan, ...this.traceOf(trace) };
          this.messages.record('out', message, true);
          return message;
        },
        timeoutMs === undefined ? {} : { timeoutMs },
      );
    } catch (error) {
      if (error instanceof BankRequestError) {
        if (error.outcomeUnknown && original) return { outcome: 'unknown', reason: error.code, original };
        return { outcome: 'not_sent', reason: error.code };
      }
      throw error;
    }
    this.messages.record('in', answer, true);
    const response = readAnswer(mti, answer);
    if (response === undefined) {
      // An answer that matched but cannot be read: as good as none.
      return { outcome: 'unknown', reason: 'unreadable_answer', original: original! };
    }
    const code = response.responseCode;
    const outcome = responseOutcome(code);
    if (outcome === 'approved') {
      return {
        outcome: 'approved',
        responseCode: code,
        authorizationCode: response.authorizationCode,
        original: original!,
      };
    }
    return {
      outcome: 'declined',
      responseCode: code,
      declineCode: declineCodeFor(code),
      retryLater: outcome === 'retry_later',
    };
  }

  private traceOf(trace: { transmittedAt: string }): { transmittedAt: string; acquirerId: string } {
    return { transmittedAt: trace.transmittedAt, acquirerId: this.acquirerId };
  }
}

/** The JSON form of an answer, or undefined when it breaks its message type's rules. */
function readAnswer(requestMti: string, message: IsoMessage): CardResponse | ReversalResponse | undefined {
  const context = { receivedAt: new Date() };
  try {
    switch (requestMti) {
      case '0100':
        return authorizationResponse.fromIso8583(message, context);
      case '0200':
        return financialResponse.fromIso8583(message, context);
      case '0220':
        return financialAdviceResponse.fromIso8583(message, context);
      case '0400':
        return reversalResponse.fromIso8583(message, context);
      case '0420':
        return reversalAdviceResponse.fromIso8583(message, context);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
