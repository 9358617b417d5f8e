// The requests sent on one connection that wait for their answer, keyed by the STAN and the response MTI they expect.
// An answer is matched only when its MTI is the request's response MTI, its STAN is the request's and its RRN (when
// both carry one) is the request's: an answer with another STAN, a duplicate answer or a stray one matches nothing.
// Bounded (a full table refuses new requests). Pure: no I/O, no clock, no timers (the connection owns those).

import type { IsoMessage } from '../../iso8583';
import { messageType, stringField } from '../../iso8583';

/** One request waiting for its answer. */
export interface InFlightRequest<T> {
  readonly stan: string;
  readonly rrn: string | undefined;
  readonly requestMti: string;
  readonly responseMti: string;
  /** What the owner needs to settle the request (its promise's callbacks, its timer). */
  readonly waiter: T;
}

/** Why an answer matched nothing. */
export type UnmatchedReason = 'unknown_stan' | 'rrn_mismatch' | 'not_a_response';

/** Requests in flight on one connection. */
export class InFlightTable<T> {
  private readonly byKey = new Map<string, InFlightRequest<T>>();
  private readonly stans = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  /** How many requests wait. */
  get size(): number {
    return this.byKey.size;
  }

  /** Whether another request fits. */
  get full(): boolean {
    return this.byKey.size >= this.capacity;
  }

  /** Whether a STAN is waiting for an answer (of any type): the allocator skips it. */
  hasStan(stan: string): boolean {
    return this.stans.has(stan);
  }

  /**
   * Registers a request about to be sent.
   * @throws Error when the table is full, the MTI is not a request of the profile, or its STAN is already waiting
   */
  add(request: IsoMessage, waiter: T): InFlightRequest<T> {
    if (this.full) throw new Error(`${this.capacity} requests already in flight`);
    const responseMti = messageType(request.mti)?.responseMti;
    const stan = stringField(request, 11);
    if (responseMti === undefined) throw new Error(`${request.mti} is not a request`);
    if (stan === undefined) throw new Error('a request carries a STAN (field 11)');
    const key = `${responseMti}:${stan}`;
    if (this.stans.has(stan)) throw new Error(`STAN ${stan} is already in flight`);
    const entry: InFlightRequest<T> = {
      stan,
      rrn: stringField(request, 37),
      requestMti: request.mti,
      responseMti,
      waiter,
    };
    this.byKey.set(key, entry);
    this.stans.add(stan);
    return entry;
  }

  /** Takes the request an answer belongs to out of the table; the reason when it belongs to none. */
  match(response: IsoMessage): { request: InFlightRequest<T> } | { unmatched: UnmatchedReason } {
    const stan = stringField(response, 11);
    if (stan === undefined || !/^\d\d[13]\d$/.test(response.mti)) return { unmatched: 'not_a_response' };
    const key = `${response.mti}:${stan}`;
    const request = this.byKey.get(key);
    if (request === undefined) return { unmatched: 'unknown_stan' };
    const rrn = stringField(response, 37);
    if (request.rrn !== undefined && rrn !== undefined && rrn !== request.rrn) return { unmatched: 'rrn_mismatch' };
    this.byKey.delete(key);
    this.stans.delete(stan);
    return { request };
  }

  /** Takes one request out without an answer (its timeout ran out). */
  remove(entry: InFlightRequest<T>): boolean {
    const key = `${entry.responseMti}:${entry.stan}`;
    if (this.byKey.get(key) !== entry) return false;
    this.byKey.delete(key);
    this.stans.delete(entry.stan);
    return true;
  }

  /** Takes every request out (the connection is lost) and returns them. */
  drain(): InFlightRequest<T>[] {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    this.stans.clear();
    return all;
  }
}
