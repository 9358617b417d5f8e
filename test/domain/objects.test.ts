// withoutUndefined (src/domain/objects.ts): the members whose value is undefined go, every other value stays (null,
// 0, '', false, nested objects as they are), the keys keep their order, and the input is not changed. Pure.

import fc from 'fast-check';
import { withoutUndefined } from '../../src/domain/objects';

describe('withoutUndefined', () => {
  it('drops only undefined members, keeps falsy values and key order, leaves the input as it was', () => {
    const nested = { a: undefined };
    const input = { z: 1, a: undefined, n: null, zero: 0, empty: '', no: false, nested, last: undefined };
    expect(Object.entries(withoutUndefined(input))).toEqual([
      ['z', 1],
      ['n', null],
      ['zero', 0],
      ['empty', ''],
      ['no', false],
      ['nested', nested],
    ]);
    expect(Object.keys(input)).toHaveLength(8);
    expect(withoutUndefined(input).nested).toBe(nested);
  });

  it('a member named __proto__ (parsed JSON) › kept as a member, the prototype untouched', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1, "b": null}') as Record<string, unknown>;
    const result = withoutUndefined(parsed);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__', 'a', 'b']);
    expect((result as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('agrees with Object.fromEntries over the defined entries, for any record', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.option(fc.anything(), { nil: undefined })), (record) => {
        expect(withoutUndefined(record)).toStrictEqual(
          Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
        );
      }),
    );
  });
});
