// A typed HTTP client for settleflow's API, used by the demo bots and the benchmark: one instance per party key.
// Only fetch, no retries of its own: callers decide what a 409 or a lost connection means for them.

import type { JWK } from 'jose';
import type { CustomerKeyPair, PaymentInstructionInput, SignedPaymentNotification } from '../../src/client-sdk';
import {
  buildSignedNotification,
  fetchGatewayJwks,
  gatewayEncryptionKey,
  generateCustomerKey,
} from '../../src/client-sdk';
import type { NoticeDraft } from '../../src/contracts/order-contract';
import type {
  CarrierAnswer,
  OrderDeadlines,
  OrderItem,
  OrderView,
  PartyRole,
  PaymentAttempt,
  ShipmentEventType,
  ShipTo,
  SupplierAnswer,
} from '../../src/domain/order';

/** The API's answer to a payment notification: the order as the customer sees it and the attempt's fate. */
export interface PaymentNotificationResult {
  order: OrderView;
  payment: PaymentAttempt;
}

/** A party as the API returns it at registration: the only time its API key is shown. */
export interface RegisteredParty {
  id: string;
  role: PartyRole;
  name: string;
  apiKey: string;
  /** The secret its webhook deliveries are signed with, when it registered a webhook. */
  webhookSecret?: string;
}

/** The body of `POST /v1/orders`; the seller is the caller. */
export interface PlaceOrderRequest {
  orderId?: string;
  customerId: string;
  supplierId: string;
  carrierIds: string[];
  items: OrderItem[];
  shipTo: ShipTo;
  deadlines?: Partial<OrderDeadlines>;
}

/** A card as the customer types it. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** A notice in the caller's inbox, `open` while it still waits for the caller's answer. */
export type InboxEntry = NoticeDraft & { open: boolean };

/** `GET /health`. */
export interface HealthAnswer {
  status: 'ok' | 'unavailable';
  temporal: 'ok' | 'unavailable';
  database: 'ok' | 'unavailable';
}

/** Stripe's error shape, as every error answer carries it. */
export interface ApiErrorPayload {
  type: string;
  code: string;
  message: string;
  param: string | null;
}

/** Per-request options. */
export interface RequestOptions {
  /** Sent as `Idempotency-Key`: a resend with the same key gets the first answer instead of acting twice. */
  idempotencyKey?: string;
  /** Abandons the request when aborted (it may still take effect on the server). */
  signal?: AbortSignal;
  /** 429 answers already waited out for this request (internal). */
  rateLimitRetries?: number;
}

/** The API answered with an error status; `code` is the stable part to branch on. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  /** The whole answer body, parsed if it was JSON. */
  readonly body: unknown;

  constructor(method: string, path: string, status: number, body: unknown) {
    const error = errorPayloadOf(body);
    super(`${method} ${path} → ${status} ${error?.code ?? ''}: ${error?.message ?? String(body)}`);
    this.name = 'ApiRequestError';
    this.status = status;
    this.type = error?.type ?? 'unknown';
    this.code = error?.code ?? 'unknown';
    this.param = error?.param ?? null;
    this.body = body;
  }
}

/** No answer at all: nothing listening, the connection dropped, or the request timed out. */
export class ApiConnectionError extends Error {
  /** The transport's code (`ECONNREFUSED`, `ECONNRESET`, ...), `TIMEOUT`, or `ABORTED` by the caller's signal. */
  readonly code: string;

  constructor(method: string, url: string, code: string, cause: unknown) {
    super(`${method} ${url}: no answer (${code})`, { cause });
    this.name = 'ApiConnectionError';
    this.code = code;
  }

  /** Whether nothing accepted the connection: the API is not running at that address. */
  get refused(): boolean {
    return this.code === 'ECONNREFUSED' || this.code === 'ENOTFOUND' || this.code === 'EADDRNOTAVAIL';
  }
}

function errorPayloadOf(body: unknown): ApiErrorPayload | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, code, message, param } = error as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return {
    type: typeof type === 'string' ? type : 'unknown',
    code,
    message: typeof message === 'string' ? message : '',
    param: typeof param === 'string' ? param : null,
  };
}

function transportCodeOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'TIMEOUT';
  if (error instanceof Error && error.name === 'AbortError') return 'ABORTED';
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

/** A client of settleflow's API acting as one party (or anonymously, for `/health`). */
export class SettleflowClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly signPayments: boolean;
  private signingKey: Promise<CustomerKeyPair> | undefined;
  private gatewayKey: Promise<JWK & { kid: string }> | undefined;
  /** Signed notifications by Idempotency-Key: a resend sends the same body (a new one would be another payment). */
  private readonly signedByKey = new Map<string, SignedPaymentNotification>();

  /**
   * @param options.baseUrl e.g. `http://127.0.0.1:3000`
   * @param options.apiKey the party's key; omit for `/health` only
   * @param options.timeoutMs how long one request may take; a payment waits for the bank, so keep it generous
   * @param options.signPayments a customer's payments as signed notifications (the client SDK): a key pair is made
   *   and registered at the first payment, the instrument encrypted to the gateway's key from the JWKS
   */
  constructor(options: { baseUrl: string; apiKey?: string; timeoutMs?: number; signPayments?: boolean }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.signPayments = options.signPayments ?? false;
  }

  /** `POST /v1/parties/me/keys` (customer): registers a public key for signed payment notifications. */
  async registerCustomerKey(publicJwk: JWK): Promise<{ kid: string; status: string }> {
    return (await this.send<{ kid: string; status: string }>('POST', '/v1/parties/me/keys', { jwk: publicJwk })).body;
  }

  /**
   * The signed form of a plain payment notification's instrument for `orderId` (README, Payment notifications):
   * built once per Idempotency-Key, with this client's registered key (made at the first call).
   */
  private async signed(
    orderId: string,
    instruction: PaymentInstructionInput,
    options: RequestOptions,
  ): Promise<SignedPaymentNotification> {
    const known = options.idempotencyKey === undefined ? undefined : this.signedByKey.get(options.idempotencyKey);
    if (known) return known;
    const signingKey = (this.signingKey ??= (async () => {
      const pair = await generateCustomerKey();
      await this.registerCustomerKey(pair.publicJwk);
      return pair;
    })().catch((error: unknown) => {
      this.signingKey = undefined;
      throw error;
    }));
    const gatewayKey = (this.gatewayKey ??= fetchGatewayJwks(this.baseUrl)
      .then(gatewayEncryptionKey)
      .catch((error: unknown) => {
        this.gatewayKey = undefined;
        throw error;
      }));
    const { total } = await this.getOrder(orderId, options);
    if (total === undefined) throw new Error(`order ${orderId}: the customer's view shows no total`);
    const body = await buildSignedNotification({
      orderInformation: { orderId, amount: total, method: instruction.method },
      instruction,
      customerKey: await signingKey,
      gatewayKey: await gatewayKey,
    });
    if (options.idempotencyKey !== undefined) this.signedByKey.set(options.idempotencyKey, body);
    return body;
  }

  /** `GET /health`: 200 and 503 are both answers here; only a missing API throws. */
  async health(): Promise<HealthAnswer> {
    return (await this.send<HealthAnswer>('GET', '/health', undefined, {}, [503])).body;
  }

  /** `POST /v1/parties` (operator): registers a party and returns its only copy of the key. */
  async createParty(
    input: { id?: string; role: PartyRole; name: string; webhookUrl?: string },
    options: RequestOptions = {},
  ) {
    return (await this.send<RegisteredParty>('POST', '/v1/parties', input, options)).body;
  }

  /** `GET /v1/parties/me`: who this key belongs to. */
  async me(): Promise<Omit<RegisteredParty, 'apiKey'>> {
    return (await this.send<Omit<RegisteredParty, 'apiKey'>>('GET', '/v1/parties/me')).body;
  }

  /** `POST /v1/orders` (seller): step 1; the answer is the order as placed. */
  async placeOrder(input: PlaceOrderRequest, options: RequestOptions = {}): Promise<OrderView> {
    return (await this.send<OrderView>('POST', '/v1/orders', input, options)).body;
  }

  /** `GET /v1/orders/:id`: the order as the read model has it. */
  async getOrder(orderId: string, options: Pick<RequestOptions, 'signal'> = {}): Promise<OrderView> {
    return (await this.send<OrderView>('GET', orderPath(orderId), undefined, options)).body;
  }

  /** `GET /v1/inbox`: the caller's notices, newest first; `open: true` for unanswered inquiries only. */
  async inbox(query: { open?: boolean; orderId?: string; limit?: number } = {}): Promise<InboxEntry[]> {
    const params = new URLSearchParams();
    if (query.open !== undefined) params.set('open', String(query.open));
    if (query.orderId !== undefined) params.set('orderId', query.orderId);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    return (await this.send<{ data: InboxEntry[] }>('GET', `/v1/inbox${suffix}`)).body.data;
  }

  /** Step 3 (supplier). */
  async supplierAnswer(orderId: string, answer: SupplierAnswer, options: RequestOptions = {}): Promise<OrderView> {
    return (await this.send<OrderView>('POST', `${orderPath(orderId)}/supplier-answer`, answer, options)).body;
  }

  /** Step 5 (candidate carrier). */
  async carrierAnswer(orderId: string, answer: CarrierAnswer, options: RequestOptions = {}): Promise<OrderView> {
    return (await this.send<OrderView>('POST', `${orderPath(orderId)}/carrier-answer`, answer, options)).body;
  }

  /** Step 7 (chosen carrier). */
  async shipmentEvent(orderId: string, type: ShipmentEventType, options: RequestOptions = {}): Promise<OrderView> {
    return (await this.send<OrderView>('POST', `${orderPath(orderId)}/shipment-events`, { type }, options)).body;
  }

  /**
   * Step 7 (customer). A decline (402) is an answer, not an error: it resolves with `payment.status: 'DECLINED'`.
   */
  async paymentNotification(
    orderId: string,
    card: CardDetails,
    options: RequestOptions = {},
  ): Promise<PaymentNotificationResult> {
    return this.payWith(orderId, { method: 'card', card }, options);
  }

  /** Step 7 (customer) by any method: `body` is the payment notification (README, Payment methods). */
  async payWith(
    orderId: string,
    body: Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<PaymentNotificationResult> {
    const path = `${orderPath(orderId)}/payment-notification`;
    const method = body.method ?? 'card';
    const sent =
      this.signPayments && (method === 'card' || method === 'echeck' || method === 'ecash')
        ? await this.signed(orderId, { ...body, method } as PaymentInstructionInput, options)
        : body;
    return (await this.send<PaymentNotificationResult>('POST', path, sent, options, [402])).body;
  }

  /** Opens (or, with the same reference, finds) the customer's e-cash wallet. */
  async openWallet(currency: string, reference: string): Promise<{ walletId: string }> {
    return (await this.send<{ walletId: string }>('POST', '/v1/wallets', { currency, reference })).body;
  }

  /** Tops a wallet up by card (idempotent by reference). */
  async topUpWallet(walletId: string, amountMinor: number, card: CardDetails, reference: string): Promise<unknown> {
    const path = `/v1/wallets/${walletId}/top-ups`;
    return (await this.send<unknown>('POST', path, { amountMinor, card, reference })).body;
  }

  /** Step 9 (seller): confirms, or disputes with a reason. */
  async settlementConfirmation(
    orderId: string,
    answer: { confirmed: boolean; reason?: string },
    options: RequestOptions = {},
  ): Promise<OrderView> {
    return (await this.send<OrderView>('POST', `${orderPath(orderId)}/settlement-confirmation`, answer, options)).body;
  }

  /** Cancels before pickup (customer, seller or operator). */
  async cancel(orderId: string, reason?: string, options: RequestOptions = {}): Promise<OrderView> {
    const body = reason === undefined ? {} : { reason };
    return (await this.send<OrderView>('POST', `${orderPath(orderId)}/cancel`, body, options)).body;
  }

  /**
   * Sends one request.
   * @param acceptedErrors error statuses whose body is an answer for this call (e.g. 402 for a declined card)
   * @throws ApiRequestError on any other status >= 400; ApiConnectionError when no answer came
   */
  private async send<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    options: RequestOptions = {},
    acceptedErrors: readonly number[] = [],
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(this.timeoutMs)])
          : AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ApiConnectionError(method, url, transportCodeOf(error), error);
    }
    const parsed = parseJson(text);
    // The demo's one customer pays many orders a minute: past PAYMENT_RATE_PER_MINUTE, wait as told (a few times).
    if (response.status === 429 && (options.rateLimitRetries ?? 0) < 5) {
      const waitSeconds = Math.min(60, Number(response.headers.get('retry-after')) || 1);
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
      return this.send(
        method,
        path,
        body,
        { ...options, rateLimitRetries: (options.rateLimitRetries ?? 0) + 1 },
        acceptedErrors,
      );
    }
    if (response.status >= 400 && !acceptedErrors.includes(response.status)) {
      throw new ApiRequestError(method, path, response.status, parsed);
    }
    return { status: response.status, body: parsed as T };
  }
}

function orderPath(orderId: string): string {
  return `/v1/orders/${encodeURIComponent(orderId)}`;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
