// One JSON sample per message type of the ISO 8583 profile, and the ISO message each converts to: the shared
// material of the codec, conversion and oracle tests. Card numbers are Stripe's test cards.

import type {
  AuthorizationRequest,
  CardResponse,
  ConversionContext,
  FinancialAdvice,
  FinancialRequest,
  Iso8583Conversion,
  IsoMessage,
  NetworkManagementRequest,
  NetworkManagementResponse,
  ReconciliationRequest,
  ReconciliationResponse,
  ReversalRequest,
  ReversalResponse,
} from '../../src/iso8583';
import {
  authorizationRequest,
  authorizationResponse,
  financialAdvice,
  financialAdviceResponse,
  financialRequest,
  financialResponse,
  networkManagementRequest,
  networkManagementResponse,
  reconciliationRequest,
  reconciliationResponse,
  reversalAdvice,
  reversalAdviceResponse,
  reversalRequest,
  reversalResponse,
} from '../../src/iso8583';

/** The receipt time the samples are read back with (their year is inferred from it). */
export const RECEIVED: ConversionContext = { receivedAt: new Date('2026-11-26T14:30:20Z') };

const acceptor = {
  terminalId: 'SFGW0001',
  merchantId: 'SELLER-000042',
  mcc: '5999',
  nameLocation: 'ACME SUPPLIES BERLIN DE',
};
const original = { mti: '0100', stan: '000041', transmittedAt: '2026-11-26T14:29:00Z', acquirerId: '423935' } as const;

export const AUTHORIZATION: AuthorizationRequest = {
  stan: '000042',
  rrn: '633014000042',
  transmittedAt: '2026-11-26T14:30:15Z',
  acquirerId: '423935',
  acceptor,
  amount: { amount: 12550, currency: 'EUR' },
  reference: 'pay_ord-7f3a_1',
  orderReference: 'ord-7f3a',
  card: { number: '4242424242424242', expMonth: 12, expYear: 2028, cvc: '123' },
};

export const FINANCIAL: FinancialRequest = {
  ...AUTHORIZATION,
  amount: { amount: 1200, currency: 'JPY' },
  transactionType: 'refund',
  creditAccount: 'WALLET-CUST-0001',
};

export const ADVICE: FinancialAdvice = {
  stan: '000043',
  rrn: '633014000041',
  transmittedAt: '2026-11-26T14:30:16Z',
  acquirerId: '423935',
  acceptor,
  amount: { amount: 1250, currency: 'KWD' },
  reference: 'pay_ord-7f3a_1',
  card: { number: '5555555555554444', expMonth: 1, expYear: 2030 },
  authorizationCode: 'A1B2C3',
  original,
};

export const REVERSAL: ReversalRequest = {
  stan: '000044',
  rrn: '633014000041',
  transmittedAt: '2026-11-26T14:30:17Z',
  acquirerId: '423935',
  acceptor,
  amount: { amount: 9999, currency: 'USD' },
  reference: 'pay_ord-7f3a_1',
  card: { number: '4000056655665556' },
  transactionType: 'purchase',
  original,
  authorizationCode: 'A1B2C3',
  replacementAmount: 2500,
};

const cardResponse: CardResponse = {
  stan: '000042',
  rrn: '633014000042',
  transmittedAt: '2026-11-26T14:30:15Z',
  acquirerId: '423935',
  terminalId: 'SFGW0001',
  amount: { amount: 12550, currency: 'GBP' },
  responseCode: '00',
  authorizationCode: 'Z9Y8X7',
  reference: 'pay_ord-7f3a_1',
  transactionType: 'purchase',
};

const reversalAnswer: ReversalResponse = {
  ...cardResponse,
  responseCode: '00',
  original,
  replacementAmount: 2500,
};

const totals: ReconciliationRequest = {
  stan: '000045',
  transmittedAt: '2026-11-26T23:59:59Z',
  acquirerId: '423935',
  settlementDate: '2026-11-26',
  currency: 'EUR',
  credits: { count: 3, reversalCount: 1, amount: 4500, reversalAmount: 500 },
  debits: { count: 120, reversalCount: 2, amount: 1_234_567, reversalAmount: 3000 },
  netAmount: -1_227_567,
};

const signOn: NetworkManagementRequest = {
  stan: '000001',
  transmittedAt: '2026-11-26T08:00:00Z',
  code: 'sign_on',
  acquirerId: '423935',
};
const signOnAnswer: NetworkManagementResponse = { ...signOn, responseCode: '00' };
const reconciliationAnswer: ReconciliationResponse = {
  ...totals,
  responseCode: '00',
  settlementCode: 'out_of_balance',
};

/** One case per message type: its conversion and a JSON sample. */
export interface SampleCase<T> {
  readonly mti: string;
  readonly conversion: Iso8583Conversion<T>;
  readonly json: T;
}

const sample = <T>(conversion: Iso8583Conversion<T>, json: T): SampleCase<unknown> =>
  ({ mti: conversion.mti, conversion, json }) as SampleCase<unknown>;

/** Every message type of the profile with a JSON sample. */
export const SAMPLES: ReadonlyArray<SampleCase<unknown>> = [
  sample(networkManagementRequest, signOn),
  sample(networkManagementResponse, signOnAnswer),
  sample(authorizationRequest, AUTHORIZATION),
  sample(authorizationResponse, cardResponse),
  sample(financialRequest, FINANCIAL),
  sample(financialResponse, { ...cardResponse, transactionType: 'refund', responseCode: '51', detail: 'balance 0.00' }),
  sample(financialAdvice, ADVICE),
  sample(financialAdviceResponse, { ...cardResponse, amount: { amount: 1250, currency: 'KWD' } }),
  sample(reversalRequest, REVERSAL),
  sample(reversalResponse, reversalAnswer),
  sample(reversalAdvice, { ...REVERSAL, replacementAmount: undefined }),
  sample(reversalAdviceResponse, { ...reversalAnswer, replacementAmount: undefined }),
  sample(reconciliationRequest, totals),
  sample(reconciliationResponse, reconciliationAnswer),
];

/** The ISO message of each sample. */
export function sampleMessage(mti: string): IsoMessage {
  const found = SAMPLES.find((entry) => entry.mti === mti);
  if (found === undefined) throw new Error(`no sample for ${mti}`);
  return found.conversion.toIso8583(found.json);
}
