// The API key cache in front of the parties collection: bounded, expiring, keyed by digest.

import { PartyCache } from '../../src/api/auth';
import type { Party } from '../../src/persistence/party-store';

const party = (id: string): Party => ({ id, role: 'seller', name: id });

describe('party cache', () => {
  test('party cache › within the TTL › answers the cached party', () => {
    let now = 0;
    const cache = new PartyCache(30_000, 10, () => now);
    cache.set('digest-a', party('a'));

    now = 29_999;

    expect(cache.get('digest-a')).toEqual(party('a'));
  });

  test('party cache › after the TTL › forgets the party', () => {
    let now = 0;
    const cache = new PartyCache(30_000, 10, () => now);
    cache.set('digest-a', party('a'));

    now = 30_000;

    expect(cache.get('digest-a')).toBeUndefined();
  });

  test('party cache › when full › evicts the oldest entry only', () => {
    const cache = new PartyCache(30_000, 2, () => 0);
    cache.set('digest-a', party('a'));
    cache.set('digest-b', party('b'));

    cache.set('digest-c', party('c'));

    expect([cache.get('digest-a'), cache.get('digest-b')?.id, cache.get('digest-c')?.id]).toEqual([
      undefined,
      'b',
      'c',
    ]);
  });

  test('party cache › an entry with an earlier end than the TTL › is forgotten at that end', () => {
    let now = 0;
    const cache = new PartyCache(30_000, 10, () => now);
    cache.set('digest-a', party('a'), 1_000);

    now = 1_000;

    expect(cache.get('digest-a')).toBeUndefined();
  });

  test('party cache › forget › drops only the matching entries', () => {
    const cache = new PartyCache(30_000, 10, () => 0);
    cache.set('digest-a1', party('a'));
    cache.set('digest-a2', party('a'));
    cache.set('digest-b', party('b'));

    cache.forget((value) => value.id === 'a');

    expect([cache.get('digest-a1'), cache.get('digest-a2'), cache.get('digest-b')?.id]).toEqual([
      undefined,
      undefined,
      'b',
    ]);
  });
});
