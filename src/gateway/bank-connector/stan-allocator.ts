// Allocates system trace audit numbers (field 11) for one connection: six digits, 000001..999999, wrapping, never one
// that is still waiting for its answer. Pure: no I/O, no clock.

/** The largest STAN: field 11 is n6 and 000000 is not used. */
export const MAX_STAN = 999_999;

/** Hands out STANs in sequence, skipping those still in use. */
export class StanAllocator {
  private last: number;

  /** @param start the STAN before the first one handed out (0 starts at 000001) */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start > MAX_STAN) throw new RangeError('start must be 0..999999');
    this.last = start;
  }

  /**
   * The next STAN that `inUse` does not claim.
   * @throws Error when all 999,999 are in use (the in-flight table is bounded far below that)
   */
  next(inUse: (stan: string) => boolean = () => false): string {
    for (let tried = 0; tried < MAX_STAN; tried += 1) {
      this.last = this.last >= MAX_STAN ? 1 : this.last + 1;
      const stan = String(this.last).padStart(6, '0');
      if (!inUse(stan)) return stan;
    }
    throw new Error('every STAN is in use');
  }
}
