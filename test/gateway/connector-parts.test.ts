// The connector's pure parts: the STAN allocator, the in-flight table (matching by MTI pair, STAN and RRN) and the
// reconnect backoff (capped, jittered).

import { isoMessage } from '../../src/iso8583';
import { backoffDelayMs } from '../../src/gateway/bank-connector/backoff';
import { InFlightTable } from '../../src/gateway/bank-connector/in-flight-table';
import { MAX_STAN, StanAllocator } from '../../src/gateway/bank-connector/stan-allocator';

const request = (stan: string, rrn = 'RRN000000001', mti = '0100') => isoMessage(mti, { 11: stan, 37: rrn });
const answer = (stan: string, rrn = 'RRN000000001', mti = '0110') => isoMessage(mti, { 11: stan, 37: rrn, 39: '00' });

describe('STAN allocator', () => {
  it('allocator › in sequence › six digits from 000001', () => {
    const stans = new StanAllocator();
    expect([stans.next(), stans.next(), stans.next()]).toEqual(['000001', '000002', '000003']);
  });

  it('allocator › at 999999 › wraps to 000001, never 000000', () => {
    const stans = new StanAllocator(MAX_STAN - 1);
    expect([stans.next(), stans.next()]).toEqual(['999999', '000001']);
  });

  it('allocator › STANs in use › skipped', () => {
    const stans = new StanAllocator();
    const busy = new Set(['000001', '000002']);
    expect(stans.next((stan) => busy.has(stan))).toBe('000003');
  });

  it('allocator › every STAN in use › throws instead of looping forever', () => {
    expect(() => new StanAllocator().next(() => true)).toThrow('every STAN is in use');
  });
});

describe('in-flight table', () => {
  it('table › answer with the request STAN, RRN and response MTI › matched and taken out', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000007'), 'waiter-7');
    const found = table.match(answer('000007'));
    expect('request' in found && found.request.waiter).toBe('waiter-7');
    expect(table.size).toBe(0);
    expect(table.hasStan('000007')).toBe(false);
  });

  it('table › many in flight answered out of order › each answer reaches its own request', () => {
    const table = new InFlightTable<number>(64);
    for (let i = 1; i <= 64; i += 1)
      table.add(request(String(i).padStart(6, '0'), `RRN${String(i).padStart(9, '0')}`), i);
    for (let i = 64; i >= 1; i -= 1) {
      const found = table.match(answer(String(i).padStart(6, '0'), `RRN${String(i).padStart(9, '0')}`));
      expect('request' in found && found.request.waiter).toBe(i);
    }
  });

  it('table › answer with another STAN › unmatched unknown_stan, the request still waits', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000001'), 'w');
    expect(table.match(answer('000002'))).toEqual({ unmatched: 'unknown_stan' });
    expect(table.size).toBe(1);
  });

  it('table › answer with the STAN but another RRN › unmatched rrn_mismatch', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000001', 'RRN000000001'), 'w');
    expect(table.match(answer('000001', 'RRN000000999'))).toEqual({ unmatched: 'rrn_mismatch' });
    expect(table.size).toBe(1);
  });

  it('table › answer of another message type with the same STAN › unmatched (MTI pair)', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000001'), 'w');
    expect(table.match(answer('000001', 'RRN000000001', '0410'))).toEqual({ unmatched: 'unknown_stan' });
  });

  it('table › a duplicate answer › the second matches nothing', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000001'), 'w');
    expect('request' in table.match(answer('000001'))).toBe(true);
    expect(table.match(answer('000001'))).toEqual({ unmatched: 'unknown_stan' });
  });

  it('table › full › refuses another request', () => {
    const table = new InFlightTable<string>(1);
    table.add(request('000001'), 'w');
    expect(() => table.add(request('000002'), 'x')).toThrow('1 requests already in flight');
  });

  it('table › drain › returns every request and empties the table', () => {
    const table = new InFlightTable<string>(4);
    table.add(request('000001'), 'a');
    table.add(request('000002'), 'b');
    expect(table.drain().map((entry) => entry.waiter)).toEqual(['a', 'b']);
    expect(table.size).toBe(0);
  });
});

describe('reconnect backoff', () => {
  const policy = { initialMs: 100, maxMs: 5_000, factor: 2, minMs: 10 };

  it('backoff › top of the jitter range › doubles per attempt up to the cap', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, policy, top))).toEqual([99, 199, 399, 799, 4999]);
  });

  it('backoff › bottom of the jitter range › never below the floor', () => {
    expect(backoffDelayMs(7, policy, () => 0)).toBe(10);
  });
});
