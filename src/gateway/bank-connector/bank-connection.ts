// The gateway's one persistent TCP connection to the bank host: ISO 8583 frames with a 2-byte length header, many
// requests in flight matched by STAN, RRN and MTI pair, sign-on (0800, 70=001) at every connect, an echo (0800,
// 70=301) when the line has been idle, reconnection with capped exponential backoff and jitter, and a timeout per
// request. A frame the bank garbles is logged (masked) and dropped; a connection that keeps sending garbage is reset.
// It must never log a PAN, a CVC or any field in clear (every line goes through `describe`), and never guess an
// outcome: a request sent and not answered rejects with an error saying the outcome is unknown.

import { randomInt } from 'node:crypto';
import net from 'node:net';
import type { IsoMessage } from '../../iso8583';
import {
  FrameSplitter,
  Iso8583Error,
  describe,
  isResponseMti,
  networkManagementRequest,
  packFrame,
  responseTo,
  stringField,
  unpack,
} from '../../iso8583';
import type { BackoffPolicy } from './backoff';
import { backoffDelayMs } from './backoff';
import type { InFlightRequest } from './in-flight-table';
import { InFlightTable } from './in-flight-table';
import { MAX_STAN, StanAllocator } from './stan-allocator';

/** Why a request has no answer; `outcomeUnknown` says whether the bank may have acted on it. */
export class BankRequestError extends Error {
  constructor(
    readonly code: 'not_connected' | 'timeout' | 'connection_lost' | 'closed' | 'too_many_in_flight',
    message: string,
    /** True when the request left this process: the bank may have done it (a reversal is due). */
    readonly outcomeUnknown: boolean,
  ) {
    super(message);
    this.name = 'BankRequestError';
  }
}

/** The connection's settings. */
export interface BankConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Field 32 of sign-on and echo. */
  readonly acquirerId: string;
  /** How long a request waits for its answer once sent (default; each request may say otherwise). */
  readonly requestTimeoutMs: number;
  /** How long a request waits for the connection to be up before it fails without being sent. */
  readonly connectWaitMs: number;
  /** Idle time after which an echo is sent. */
  readonly echoIntervalMs: number;
  /** Reconnection delays. */
  readonly reconnect: BackoffPolicy;
  /** Requests waiting for an answer at once; more fail at once (`too_many_in_flight`). */
  readonly maxInFlight: number;
  /** Garbled frames in a row after which the connection is reset. */
  readonly maxBadFrames: number;
  /** One log line; already masked. */
  readonly log: (line: string) => void;
  /** Every message sent or received (for the record of exchanges); called with the masked description's source. */
  readonly onMessage?: (event: { direction: 'out' | 'in'; message: IsoMessage; matched: boolean }) => void;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** Observable state, for tests, health and metrics. */
export interface BankConnectionStats {
  readonly state: 'connecting' | 'signing_on' | 'ready' | 'backing_off' | 'closed';
  readonly connects: number;
  readonly inFlight: number;
  readonly badFrames: number;
  readonly unmatched: number;
  readonly echoes: number;
  /** When an echo was last answered, and when the link last signed on (ms since the epoch; 0: never). */
  readonly lastEchoAtMs: number;
  readonly signedOnAtMs: number;
}

interface Waiter {
  resolve(message: IsoMessage): void;
  reject(error: BankRequestError): void;
  timer: NodeJS.Timeout;
}

/** The time a message is sent, as fields 7 and 90 carry it: UTC, whole seconds. */
export function transmissionTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One logical connection to the bank host, reconnecting on its own until `close`. */
export class BankConnection {
  private socket: net.Socket | undefined;
  private state: BankConnectionStats['state'] = 'connecting';
  private readonly table: InFlightTable<Waiter>;
  // A random start: two gateway processes sharing an acquirer id do not send the same STAN in the same second.
  private readonly stans = new StanAllocator(randomInt(0, MAX_STAN));
  private readonly readyWaiters = new Set<() => void>();
  private failures = 0;
  private badFramesInARow = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private echoTimer: NodeJS.Timeout | undefined;
  private lastTrafficMs = 0;
  private readonly counters = { connects: 0, badFrames: 0, unmatched: 0, echoes: 0, lastEchoAtMs: 0, signedOnAtMs: 0 };
  private readonly now: () => Date;

  constructor(private readonly options: BankConnectionOptions) {
    this.table = new InFlightTable<Waiter>(options.maxInFlight);
    this.now = options.now ?? (() => new Date());
  }

  /** Starts connecting (and keeps reconnecting until `close`). */
  start(): void {
    if (this.state === 'closed') throw new Error('the connection is closed');
    this.connect();
  }

  /** Counters and state. */
  stats(): BankConnectionStats {
    return { state: this.state, inFlight: this.table.size, ...this.counters };
  }

  /**
   * Resolves once the connection is signed on, or rejects after `timeoutMs`.
   * @throws BankRequestError `not_connected`
   */
  async ready(timeoutMs: number = this.options.connectWaitMs): Promise<void> {
    if (this.state === 'ready') return;
    if (this.state === 'closed') throw new BankRequestError('closed', 'the bank connection is closed', false);
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(done);
        reject(new BankRequestError('not_connected', `the bank host is not reachable (${timeoutMs} ms)`, false));
      }, timeoutMs);
      this.readyWaiters.add(done);
    });
  }

  /**
   * Sends a request built around the STAN and transmission time the connection gives it, and resolves with its
   * matched answer.
   * @throws BankRequestError `not_connected` / `too_many_in_flight` (never sent: nothing happened at the bank),
   *   `timeout` / `connection_lost` (sent: the outcome is unknown)
   */
  async request(
    build: (trace: { stan: string; transmittedAt: string }) => IsoMessage,
    options: { timeoutMs?: number } = {},
  ): Promise<IsoMessage> {
    await this.ready();
    return this.send(build, options.timeoutMs ?? this.options.requestTimeoutMs);
  }

  /** Stops: fails what is in flight (outcome unknown), closes the socket and stops reconnecting. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.echoTimer);
    this.failInFlight('closed', 'the bank connection was closed');
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 500).unref();
      });
    }
  }

  // ---- internals

  private send(
    build: (trace: { stan: string; transmittedAt: string }) => IsoMessage,
    timeoutMs: number,
  ): Promise<IsoMessage> {
    const socket = this.socket;
    if (!socket || this.state === 'closed' || (this.state !== 'ready' && this.state !== 'signing_on')) {
      return Promise.reject(new BankRequestError('not_connected', 'the bank host is not connected', false));
    }
    if (this.table.full) {
      return Promise.reject(
        new BankRequestError('too_many_in_flight', `${this.table.capacity} requests already in flight`, false),
      );
    }
    const stan = this.stans.next((candidate) => this.table.hasStan(candidate));
    const message = build({ stan, transmittedAt: transmissionTime(this.now()) });
    const frame = packFrame(message);
    return new Promise<IsoMessage>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      const entry = this.table.add(message, waiter);
      waiter.timer = setTimeout(() => this.expire(entry), timeoutMs);
      this.lastTrafficMs = Date.now();
      this.options.onMessage?.({ direction: 'out', message, matched: true });
      // Requests sent in the same turn of the event loop leave in one write (one system call for many frames).
      if (socket.writableCorked === 0) {
        socket.cork();
        process.nextTick(() => socket.uncork());
      }
      socket.write(frame);
    });
  }

  private expire(entry: InFlightRequest<Waiter>): void {
    if (!this.table.remove(entry)) return;
    this.options.log(`bank: no answer to ${entry.requestMti} STAN ${entry.stan} in time: outcome unknown`);
    entry.waiter.reject(
      new BankRequestError('timeout', `no answer to ${entry.requestMti} STAN ${entry.stan} in time`, true),
    );
  }

  private failInFlight(code: 'connection_lost' | 'closed', text: string): void {
    for (const entry of this.table.drain()) {
      clearTimeout(entry.waiter.timer);
      entry.waiter.reject(new BankRequestError(code, `${text}: ${entry.requestMti} STAN ${entry.stan}`, true));
    }
  }

  private connect(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const socket = net.connect({ host: this.options.host, port: this.options.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    this.socket = socket;
    const splitter = new FrameSplitter();
    this.badFramesInARow = 0;
    socket.once('connect', () => {
      this.counters.connects += 1;
      this.options.log(`bank: connected to ${this.options.host}:${this.options.port}`);
      void this.signOn(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      this.lastTrafficMs = Date.now();
      for (const event of splitter.push(chunk)) {
        if (event.kind === 'rejected') this.badFrame(socket, event.error);
        else this.receive(socket, event.payload);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.options.log(`bank: connection error ${error.code ?? error.name}`);
    });
    socket.once('close', () => this.lost(socket));
  }

  private async signOn(socket: net.Socket): Promise<void> {
    this.state = 'signing_on';
    try {
      const answer = await this.send(
        ({ stan, transmittedAt }) =>
          networkManagementRequest.toIso8583({
            stan,
            transmittedAt,
            code: 'sign_on',
            acquirerId: this.options.acquirerId,
          }),
        this.options.requestTimeoutMs,
      );
      const code = stringField(answer, 39);
      if (code !== '00') throw new Error(`sign-on refused (39=${code ?? 'none'})`);
    } catch (error) {
      this.options.log(`bank: sign-on failed: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
      return;
    }
    if (this.socket !== socket || (this.state as BankConnectionStats['state']) === 'closed') return;
    this.state = 'ready';
    this.counters.signedOnAtMs = Date.now();
    this.failures = 0;
    this.options.log('bank: signed on');
    this.startEcho(socket);
    for (const waiter of [...this.readyWaiters]) waiter();
  }

  private startEcho(socket: net.Socket): void {
    clearInterval(this.echoTimer);
    const interval = this.options.echoIntervalMs;
    this.echoTimer = setInterval(
      () => {
        if (this.socket !== socket || this.state !== 'ready') return;
        if (Date.now() - this.lastTrafficMs < interval) return;
        this.counters.echoes += 1;
        this.send(
          ({ stan, transmittedAt }) =>
            networkManagementRequest.toIso8583({
              stan,
              transmittedAt,
              code: 'echo',
              acquirerId: this.options.acquirerId,
            }),
          this.options.requestTimeoutMs,
        ).then(
          () => {
            this.counters.lastEchoAtMs = Date.now();
          },
          () => {
            this.options.log('bank: echo unanswered: resetting the connection');
            if (this.socket === socket) socket.destroy();
          },
        );
      },
      Math.max(50, Math.floor(interval / 2)),
    );
    this.echoTimer.unref();
  }

  private receive(socket: net.Socket, payload: Buffer): void {
    let message: IsoMessage;
    try {
      message = unpack(payload);
    } catch (error) {
      this.badFrame(socket, error);
      return;
    }
    this.badFramesInARow = 0;
    if (!isResponseMti(message.mti)) {
      this.answerBankRequest(socket, message);
      return;
    }
    const found = this.table.match(message);
    if ('unmatched' in found) {
      this.counters.unmatched += 1;
      this.options.onMessage?.({ direction: 'in', message, matched: false });
      this.options.log(
        `bank: ignored an answer that matches no request in flight (${found.unmatched}): ${describe(message)}`,
      );
      return;
    }
    clearTimeout(found.request.waiter.timer);
    this.options.onMessage?.({ direction: 'in', message, matched: true });
    found.request.waiter.resolve(message);
  }

  /** The bank's own 0800 (echo): answered 0810 00; anything else the bank sends unasked is logged and dropped. */
  private answerBankRequest(socket: net.Socket, message: IsoMessage): void {
    if (message.mti === '0800') {
      try {
        socket.write(packFrame(responseTo(message, '00')));
        return;
      } catch {
        // a malformed 0800 falls through to the log line
      }
    }
    this.counters.unmatched += 1;
    this.options.log(`bank: ignored an unexpected request from the bank: ${describe(message)}`);
  }

  private badFrame(socket: net.Socket, error: unknown): void {
    this.counters.badFrames += 1;
    this.badFramesInARow += 1;
    const reason =
      error instanceof Iso8583Error ? `${error.code}${error.field ? ` (field ${error.field})` : ''}` : 'unreadable';
    this.options.log(`bank: dropped a malformed frame from the bank: ${reason}`);
    if (this.badFramesInARow >= this.options.maxBadFrames && this.socket === socket) {
      this.options.log(`bank: ${this.badFramesInARow} malformed frames in a row: resetting the connection`);
      socket.destroy();
    }
  }

  private lost(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    clearInterval(this.echoTimer);
    this.failInFlight('connection_lost', 'the bank connection was lost after the request was sent');
    if (this.state === 'closed') return;
    this.failures += 1;
    const delay = backoffDelayMs(this.failures, this.options.reconnect, this.options.random);
    this.state = 'backing_off';
    this.options.log(`bank: connection lost; reconnecting in ${delay} ms (attempt ${this.failures})`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
