// Small object helpers shared by the domain, the gateway, the bank host and the message codecs. Pure: no I/O.

/**
 * The object without its members whose value is undefined (own enumerable keys, in their order): a record built
 * from optional values then has no `key: undefined`, so it equals what is parsed back and stores no empty fields.
 * A loop rather than `Object.fromEntries(Object.entries(...))`: it runs for every ISO 8583 request on both sides of
 * the bank connection, and builds no intermediate arrays.
 */
export function withoutUndefined<T extends object>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    // A key named `__proto__` (from parsed JSON) stays a member, never the result's prototype.
    if (key === '__proto__')
      Object.defineProperty(result, key, { value: member, enumerable: true, writable: true, configurable: true });
    else result[key] = member;
  }
  return result as T;
}
