// Test support for the bank host: a tiny ISO 8583 client over TCP written with src/iso8583 (not the connector), the
// JSON request builders the tests send, and the control API. The bank host is the real process global setup started
// (BANK_HOST_ADDRESS, BANK_HOST_CONTROL_URL, BANK_HOST_ADMIN_TOKEN, BANK_HOST_ISO20022_URL, BANK_HOST_ISO20022_TOKEN).

import { randomInt } from 'node:crypto';
import net from 'node:net';
import { channelHeaders as gatewayChannelHeaders } from '../../src/gateway/iso20022-channel-client';
import type { IsoMessage } from '../../src/iso8583';
import {
  FrameSplitter,
  authorizationRequest,
  financialAdvice,
  financialRequest,
  networkManagementRequest,
  packFrame,
  reversalAdvice,
  reversalRequest,
  stringField,
  unpack,
} from '../../src/iso8583';
import type {
  AuthorizationRequest,
  FinancialAdvice,
  FinancialRequest,
  OriginalData,
  ReversalRequest,
} from '../../src/iso8583';

/** Where the bank host of this run listens. */
export const bankHost = {
  address: required('BANK_HOST_ADDRESS'),
  controlUrl: required('BANK_HOST_CONTROL_URL'),
  iso20022Url: required('BANK_HOST_ISO20022_URL'),
  adminToken: required('BANK_HOST_ADMIN_TOKEN'),
  /** The gateway's bearer token on the ISO 20022 channel. */
  iso20022Token: required('BANK_HOST_ISO20022_TOKEN'),
};

/** The headers of a request to the ISO 20022 channel as the gateway sends it (its token, and a body's type). */
export function channelHeaders(contentType?: string): Record<string, string> {
  return gatewayChannelHeaders({ iso20022Token: bankHost.iso20022Token }, contentType);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the bank host is started by test/global-setup.js`);
  return value;
}

/** One ISO 8583 connection to the bank host; answers are matched to requests by STAN. */
export class IsoClient {
  private readonly splitter = new FrameSplitter();
  private readonly waiting = new Map<string, Array<(message: IsoMessage) => void>>();
  /** Every frame received, in order (unpacked, or the raw bytes when they do not unpack). */
  readonly received: Array<IsoMessage | Buffer> = [];
  /** Set once the bank host closed the connection. */
  closed = false;
  private closeWaiters: Array<() => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.splitter.push(chunk)) {
        if (event.kind !== 'frame') continue;
        let message: IsoMessage;
        try {
          message = unpack(event.payload);
        } catch {
          this.received.push(event.payload);
          continue;
        }
        this.received.push(message);
        const stan = stringField(message, 11) ?? '';
        const waiter = this.waiting.get(stan)?.shift();
        waiter?.(message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.closeWaiters) waiter();
    });
  }

  /** Connects to the bank host of this run. */
  static connect(address: string = bankHost.address): Promise<IsoClient> {
    const [host, port] = address.split(':');
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: host!, port: Number(port) }, () => resolve(new IsoClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with the answer carrying its STAN. */
  request(message: IsoMessage): Promise<IsoMessage> {
    const answer = this.expect(stringField(message, 11) ?? '');
    this.socket.write(packFrame(message));
    return answer;
  }

  /** Resolves with the next answer carrying this STAN. */
  expect(stan: string): Promise<IsoMessage> {
    return new Promise((resolve) => {
      const list = this.waiting.get(stan) ?? [];
      list.push(resolve);
      this.waiting.set(stan, list);
    });
  }

  /** Sends raw bytes as they are. */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves once the bank host has closed the connection. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}

let stanCounter = randomInt(0, 900_000);

/** A fresh STAN (unique within a test file). */
export function nextStan(): string {
  stanCounter = (stanCounter + 1) % 1_000_000;
  return String(stanCounter).padStart(6, '0');
}

/** A fresh RRN: 12 characters, unique across test files and runs. */
export function newRrn(): string {
  return `T${Date.now().toString(36).toUpperCase().slice(-6)}${randomInt(0, 36 ** 5)
    .toString(36)
    .toUpperCase()
    .padStart(5, '0')}`;
}

/** A Luhn-valid test PAN no other test uses: 16 digits starting 4999. */
export function newPan(): string {
  const body = `4999${String(randomInt(0, 1e11)).padStart(11, '0')}`;
  for (let check = 0; check < 10; check++) {
    const pan = `${body}${check}`;
    let sum = 0;
    for (let i = 0; i < pan.length; i++) {
      let digit = Number(pan[pan.length - 1 - i]);
      if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return pan;
  }
  throw new Error('unreachable');
}

/** Now, to the second, as ISO 8583 carries it. */
export function transmittedNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ACCEPTOR = { terminalId: 'SFGW0001', merchantId: 'SELLER-TEST', mcc: '5999' };
const ACQUIRER = '4711';

/** A card valid for years. */
export function card(number: string, cvc = '123'): AuthorizationRequest['card'] {
  return { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc };
}

/** The JSON of a 0100. */
export function authorization(
  pan: string,
  amount: number,
  overrides: Partial<AuthorizationRequest> = {},
): AuthorizationRequest {
  return {
    stan: nextStan(),
    rrn: newRrn(),
    transmittedAt: transmittedNow(),
    acquirerId: ACQUIRER,
    acceptor: ACCEPTOR,
    amount: { amount, currency: 'EUR' },
    reference: `pay-${randomInt(0, 1e9)}`,
    card: card(pan),
    ...overrides,
  };
}

/** A 0100 message. */
export function authorizationMessage(pan: string, amount: number, overrides: Partial<AuthorizationRequest> = {}) {
  return authorizationRequest.toIso8583(authorization(pan, amount, overrides));
}

/** A 0200 message (a purchase unless `transactionType: 'refund'`). */
export function financialMessage(pan: string, amount: number, overrides: Partial<FinancialRequest> = {}) {
  return financialRequest.toIso8583({ ...authorization(pan, amount), transactionType: 'purchase', ...overrides });
}

/** What field 90 of a follow-up says about an earlier request. */
export function originalOf(
  request: { stan: string; transmittedAt: string; acquirerId: string },
  mti: OriginalData['mti'],
): OriginalData {
  return { mti, stan: request.stan, transmittedAt: request.transmittedAt, acquirerId: request.acquirerId };
}

/** A 0220 capturing an authorization (JSON of the 0100 and its authorization code). */
export function captureMessage(
  auth: AuthorizationRequest,
  authorizationCode: string,
  amount: number,
  overrides: Partial<FinancialAdvice> = {},
) {
  return financialAdvice.toIso8583({
    stan: nextStan(),
    rrn: auth.rrn,
    transmittedAt: transmittedNow(),
    acquirerId: auth.acquirerId,
    acceptor: auth.acceptor,
    amount: { amount, currency: auth.amount.currency },
    reference: auth.reference,
    card: { number: auth.card.number },
    authorizationCode,
    original: originalOf(auth, '0100'),
    ...overrides,
  });
}

/** A 0400 (or 0420) reversing an earlier request (its JSON and MTI). */
export function reversalMessage(
  original: AuthorizationRequest | FinancialRequest,
  originalMti: OriginalData['mti'],
  mti: '0400' | '0420' = '0400',
  overrides: Partial<ReversalRequest> = {},
) {
  const json: ReversalRequest = {
    stan: nextStan(),
    rrn: original.rrn,
    transmittedAt: transmittedNow(),
    acquirerId: original.acquirerId,
    acceptor: original.acceptor,
    amount: original.amount,
    reference: original.reference,
    card: { number: original.card.number },
    transactionType: 'transactionType' in original ? original.transactionType : 'purchase',
    original: originalOf(original, originalMti),
    ...overrides,
  };
  return (mti === '0400' ? reversalRequest : reversalAdvice).toIso8583(json);
}

/** A 0800 (sign-on, sign-off or echo). */
export function networkMessage(code: 'sign_on' | 'sign_off' | 'echo') {
  return networkManagementRequest.toIso8583({
    stan: nextStan(),
    transmittedAt: transmittedNow(),
    code,
    acquirerId: ACQUIRER,
  });
}

/** Field 39 of an answer. */
export function codeOf(message: IsoMessage): string | undefined {
  return stringField(message, 39);
}

/** Calls the control API; throws on a status other than `expected`. */
export async function control<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  expected = [200, 201, 204],
): Promise<T> {
  const response = await fetch(`${bankHost.controlUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bankHost.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!expected.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** An account as the books show it. */
export interface BookAccount {
  id: string;
  kind: string;
  last4?: string;
  iban?: string;
  balances: Record<string, number>;
  held: Record<string, number>;
  available: Record<string, number>;
  holds: Array<{ authorization: string; rrn: string; currency: string; amount: number; state: string }>;
}

/** Opens a card of this test's own with `balance` EUR minor units; returns its PAN and account id. */
export async function openCard(
  balance: number,
  extra: Record<string, unknown> = {},
): Promise<{ pan: string; id: string }> {
  const pan = newPan();
  const account = await control<BookAccount>('POST', '/v1/accounts', {
    kind: 'card',
    pan,
    balances: { EUR: balance },
    ...extra,
  });
  return { pan, id: account.id };
}

/** The books' view of an account. */
export function accountView(id: string): Promise<BookAccount> {
  return control<BookAccount>('GET', `/v1/accounts/${id}`);
}
