// The bank host's ISO 8583 channel: a TCP server, each message framed by a 2-byte length header. Many requests may
// be in flight on one connection; each is answered as soon as its decision is durable, so answers may come back in
// another order than the requests. A frame that cannot be read is dropped with a log line and the connection goes on;
// nothing a peer sends can crash the process. Logs show messages only through the codec's masking (`describe`).

import { createHash } from 'node:crypto';
import net from 'node:net';
import type { IsoMessage, IsoValue } from '../iso8583';
import {
  FrameSplitter,
  Iso8583Error,
  checkMessageType,
  currencyByNumeric,
  describe,
  isResponseMti,
  messageType,
  packFrame,
  reconciliationRequest,
  responseTo,
  stringField,
  unpack,
} from '../iso8583';
import type { Bank } from './bank';
import { cvcHash, panHash } from './card-secrets';
import type { CardRequest } from './domain/book';
import type { FaultPlan, FaultRules } from './faults';
import type { LogFunction, LogLevel } from './log';
import { logs } from './log';

/** What the ISO 8583 server needs. */
export interface Iso8583ServerOptions {
  readonly bank: Bank;
  readonly faults: FaultRules;
  readonly secret: Buffer;
  readonly log: LogFunction;
  readonly logLevel: LogLevel;
  readonly maxConnections: number;
}

const CARD_MTIS = new Set(['0100', '0200', '0220', '0400', '0420']);
const NETWORK_CODES = new Set(['001', '002', '301']);

/** The ISO 8583 server of the bank host. */
export class Iso8583Server {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private nextConnection = 1;

  constructor(private readonly options: Iso8583ServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.maxConnections;
  }

  /** Listens; resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting and closes every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const connection = this.nextConnection++;
    const { log } = this.options;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    log('info', 'iso8583.connection.opened', { connection, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const splitter = new FrameSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const event of splitter.push(chunk)) {
        if (event.kind === 'rejected') {
          log('warn', 'iso8583.frame.rejected', { connection, code: event.error.code, reason: event.error.message });
          continue;
        }
        void this.handleFrame(socket, connection, event.payload);
      }
    });
    socket.on('error', (error) => log('info', 'iso8583.connection.error', { connection, reason: error.message }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      log('info', 'iso8583.connection.closed', { connection });
    });
  }

  private async handleFrame(socket: net.Socket, connection: number, payload: Buffer): Promise<void> {
    const { log, logLevel } = this.options;
    let request: IsoMessage;
    try {
      request = unpack(payload);
    } catch (error) {
      const reason = error instanceof Iso8583Error ? error.message : 'unreadable';
      log('warn', 'iso8583.frame.dropped', { connection, bytes: payload.length, reason });
      return;
    }
    if (logs(logLevel, 'debug')) log('debug', 'iso8583.received', { connection, message: describe(request) });
    try {
      const spec = messageType(request.mti);
      if (spec?.responseMti === undefined || isResponseMti(request.mti)) {
        log('warn', 'iso8583.message.dropped', {
          connection,
          mti: request.mti,
          reason: 'not a request the bank answers',
        });
        return;
      }
      const hash = this.panHashOf(request);
      const amountText = stringField(request, 4);
      const plan = this.options.faults.match({
        mti: request.mti,
        ...(hash === undefined ? {} : { panHash: hash }),
        ...(amountText === undefined ? {} : { amount: Number(amountText) }),
      });
      if (plan !== undefined) log('info', 'iso8583.fault', { connection, rule: plan.ruleId, action: plan.action });
      if (plan?.beforeProcessing && plan.delayMs > 0) await sleep(plan.delayMs);
      if (plan !== undefined && !plan.apply) {
        this.applyTransportFault(socket, connection, plan, undefined);
        return;
      }
      const response = await this.answer(request, hash);
      if (plan === undefined) this.send(socket, connection, response);
      else await this.withFault(socket, connection, plan, response);
    } catch (error) {
      // A bug or a store failure: answer 96 when the request can be answered, never crash on one message.
      log('error', 'iso8583.request.failed', {
        connection,
        mti: request.mti,
        reason: error instanceof Error ? error.message : String(error),
      });
      const fallback = safeResponse(request, '96');
      if (fallback !== undefined) this.send(socket, connection, fallback);
    }
  }

  private panHashOf(request: IsoMessage): string | undefined {
    const pan = stringField(request, 2);
    return pan === undefined ? undefined : panHash(this.options.secret, pan);
  }

  /** The answer to a request (its decision durable), or a format error. */
  private async answer(request: IsoMessage, hash: string | undefined): Promise<IsoMessage> {
    try {
      checkMessageType(request);
    } catch (error) {
      if (!(error instanceof Iso8583Error)) throw error;
      const detail = `format error: ${error.message}`.slice(0, 99);
      return responseTo(request, '30', request.mti === '0800' || request.mti === '0500' ? {} : { 63: detail });
    }
    if (request.mti === '0800') return this.networkManagement(request);
    if (request.mti === '0500') return this.reconciliation(request);
    if (CARD_MTIS.has(request.mti)) return this.card(request, hash!);
    return responseTo(request, '12');
  }

  private networkManagement(request: IsoMessage): IsoMessage {
    const code = stringField(request, 70) ?? '';
    return responseTo(request, NETWORK_CODES.has(code) ? '00' : '12');
  }

  private reconciliation(request: IsoMessage): IsoMessage {
    let gateway;
    try {
      gateway = reconciliationRequest.fromIso8583(request, { receivedAt: new Date() });
    } catch (error) {
      if (!(error instanceof Iso8583Error)) throw error;
      return responseTo(request, '30', { 66: '3' });
    }
    const bank = this.options.bank.book.reconciliationTotals(
      gateway.settlementDate,
      gateway.currency,
      gateway.acquirerId,
    );
    const net = bank.debits.amount - bank.debits.reversalAmount - (bank.credits.amount - bank.credits.reversalAmount);
    const agrees =
      sameTotals(bank.credits, gateway.credits) && sameTotals(bank.debits, gateway.debits) && net === gateway.netAmount;
    const n = (value: number, width: number) => String(value).padStart(width, '0');
    return responseTo(request, '00', {
      66: agrees ? '1' : '2',
      74: n(bank.credits.count, 10),
      75: n(bank.credits.reversalCount, 10),
      76: n(bank.debits.count, 10),
      77: n(bank.debits.reversalCount, 10),
      86: n(bank.credits.amount, 16),
      87: n(bank.credits.reversalAmount, 16),
      88: n(bank.debits.amount, 16),
      89: n(bank.debits.reversalAmount, 16),
      97: `${net < 0 ? 'D' : 'C'}${n(Math.abs(net), 16)}`,
    });
  }

  private async card(request: IsoMessage, hash: string): Promise<IsoMessage> {
    const cardRequest = this.cardRequest(request, hash);
    const decision = await this.options.bank.decideCard(cardRequest);
    if (decision.kind === 'conflict') return responseTo(request, '94', { 63: 'same RRN, another request' });
    const { entry } = decision;
    const extra: Record<number, IsoValue> = {};
    if (entry.authCode !== undefined && entry.responseCode === '00' && request.mti !== '0220')
      extra[38] = entry.authCode;
    if (entry.detail !== undefined) extra[63] = entry.detail;
    return responseTo(request, entry.responseCode, extra);
  }

  private cardRequest(request: IsoMessage, hash: string): CardRequest {
    const text = (field: number) => stringField(request, field) ?? '';
    const mti = request.mti as CardRequest['mti'];
    const pan = text(2);
    const cvc = stringField(request, 61);
    const f90 = stringField(request, 90);
    const f95 = stringField(request, 95);
    const acquirer = text(32);
    const digest = createHash('sha256')
      .update([hash, text(3), text(4), text(49), f90 ?? '', f95 ?? ''].join('|'))
      .digest('hex');
    const request90 = f90 === undefined ? undefined : { mti: f90.slice(0, 4), key: originalKey(f90) };
    return {
      mti,
      rrn: text(37),
      stan: text(11),
      acquirerId: acquirer,
      messageKey: [mti, text(11), text(7), acquirer.padStart(11, '0')].join('|'),
      digest,
      processingCode: text(3),
      amount: Number(text(4)),
      currency: currencyByNumeric(text(49))?.alpha,
      panHash: hash,
      ...(stringField(request, 14) === undefined ? {} : { expiry: text(14) }),
      ...(cvc === undefined ? {} : { cvcHash: cvcHash(this.options.secret, pan, cvc) }),
      ...(stringField(request, 38) === undefined ? {} : { authCode: text(38) }),
      ...(request90 === undefined ? {} : { original: request90 }),
      ...(f95 === undefined || !/^\d{12}/.test(f95) ? {} : { replacementAmount: Number(f95.slice(0, 12)) }),
    };
  }

  private async withFault(
    socket: net.Socket,
    connection: number,
    plan: FaultPlan,
    response: IsoMessage,
  ): Promise<void> {
    switch (plan.action) {
      case 'delay':
        if (!plan.beforeProcessing && plan.delayMs > 0) await sleep(plan.delayMs);
        this.send(socket, connection, response);
        return;
      case 'duplicate':
        this.send(socket, connection, response);
        this.send(socket, connection, response);
        return;
      case 'wrong_stan': {
        const stan = stringField(response, 11) ?? '000000';
        const fields = new Map(response.fields);
        fields.set(11, String((Number(stan) + 1) % 1_000_000).padStart(6, '0'));
        this.send(socket, connection, { mti: response.mti, fields });
        return;
      }
      default:
        this.applyTransportFault(socket, connection, plan, response);
    }
  }

  /** The faults that are not an answer: none, a dropped connection, a malformed frame. */
  private applyTransportFault(
    socket: net.Socket,
    connection: number,
    plan: FaultPlan,
    response: IsoMessage | undefined,
  ): void {
    switch (plan.action) {
      case 'disconnect':
        socket.destroy();
        return;
      case 'malformed':
        // A header announcing 12 bytes, then an MTI that is not digits and a bitmap naming a field the profile lacks.
        if (!socket.destroyed) socket.write(Buffer.from([0x00, 0x0c, 0x30, 0x31, 0x3f, 0x30, 0, 0, 0, 0, 0, 0, 0, 1]));
        return;
      default:
        this.options.log('info', 'iso8583.answer.withheld', {
          connection,
          rule: plan.ruleId,
          mti: response?.mti ?? 'none',
        });
    }
  }

  private send(socket: net.Socket, connection: number, response: IsoMessage): void {
    if (socket.destroyed) {
      this.options.log('info', 'iso8583.answer.lost', { connection, mti: response.mti, reason: 'connection closed' });
      return;
    }
    writeCorked(socket, packFrame(response));
    if (logs(this.options.logLevel, 'debug')) {
      this.options.log('debug', 'iso8583.sent', { connection, message: describe(response) });
    }
  }
}

/** What a field 90 names, as a key: `MTI|STAN|field 7|acquirer (n11)`. */
function originalKey(f90: string): string {
  return [f90.slice(0, 4), f90.slice(4, 10), f90.slice(10, 20), f90.slice(20, 31)].join('|');
}

function sameTotals(
  a: { count: number; reversalCount: number; amount: number; reversalAmount: number },
  b: { count: number; reversalCount: number; amount: number; reversalAmount: number },
): boolean {
  return (
    a.count === b.count &&
    a.reversalCount === b.reversalCount &&
    a.amount === b.amount &&
    a.reversalAmount === b.reversalAmount
  );
}

/** A response that can be packed, or undefined (a request missing what a response needs is only logged). */
function safeResponse(request: IsoMessage, code: string): IsoMessage | undefined {
  try {
    const response = responseTo(request, code);
    packFrame(response);
    return response;
  } catch {
    return undefined;
  }
}

/**
 * Writes a frame, gathering every frame written in the same turn of the event loop into one write (the answers of one
 * journal group commit resolve together): one system call for many answers instead of one each.
 */
function writeCorked(socket: net.Socket, frame: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(frame);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
