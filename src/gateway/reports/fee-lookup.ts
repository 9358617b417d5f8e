// The fee the reports charge a payment: the settlement fee schedule version in force at the payment's time (the
// versioned schedules of src/gateway/settlement/fees.ts, the seller's own before the default `*`), and, where no
// version is in force, the gateway settings' fee as new orders get it. The same rule settlement batches price their
// lines with, so the clearing statistics' fees and a batch's fee journals agree. Must never write a schedule; holds
// the versions in memory (bounded by the versions operators wrote, never by payments).

import type { Database } from '../../persistence/database';
import type { FeeSchedule } from '../../persistence/settings-store';
import type { FeeScheduleVersion } from '../settlement/fees';
import { ruleFor } from '../settlement/fees';
import { settlementCollections } from '../settlement/settlement-store';
import type { FeeLookup } from './clearing-statistics';

/** The version of `versions` (one seller and currency, newest first) in force at `atMs`. */
function inForce(versions: readonly FeeScheduleVersion[] | undefined, atMs: number): FeeScheduleVersion | undefined {
  return versions?.find((version) => Date.parse(version.effectiveFrom) <= atMs);
}

/**
 * A fee lookup over schedule versions: at a payment's time, the seller's version in force, else the default `*`
 * version in force, else `fallback(sellerId)` (the gateway settings). Agrees with `scheduleInForce` of fees.ts.
 */
export function feeScheduleLookup(
  versions: readonly FeeScheduleVersion[],
  fallback: (sellerId: string) => FeeSchedule,
): FeeLookup {
  const bySellerAndCurrency = new Map<string, FeeScheduleVersion[]>();
  for (const version of versions) {
    const key = `${version.sellerId}\u0000${version.currency}`;
    const list = bySellerAndCurrency.get(key) ?? [];
    list.push(version);
    bySellerAndCurrency.set(key, list);
  }
  for (const list of bySellerAndCurrency.values()) {
    list.sort((a, b) => Date.parse(b.effectiveFrom) - Date.parse(a.effectiveFrom) || b.version - a.version);
  }
  const fallbacks = new Map<string, FeeSchedule>();
  return (sellerId, method, currency, at) => {
    const atMs = at.getTime();
    const schedule =
      inForce(bySellerAndCurrency.get(`${sellerId}\u0000${currency}`), atMs) ??
      inForce(bySellerAndCurrency.get(`*\u0000${currency}`), atMs);
    if (schedule !== undefined) {
      const rule = ruleFor(schedule, method);
      return { bps: rule.bps, fixedMinor: rule.fixedMinor };
    }
    let fee = fallbacks.get(sellerId);
    if (fee === undefined) fallbacks.set(sellerId, (fee = fallback(sellerId)));
    return fee;
  };
}

/**
 * Reads the fee schedule versions (of one seller and the default, or all) and answers their lookup.
 * @param sellerId only this seller's versions and the default's (a seller's own report)
 */
export async function loadFeeLookup(
  db: Database,
  fallback: (sellerId: string) => FeeSchedule,
  sellerId?: string,
): Promise<FeeLookup> {
  const filter = sellerId === undefined ? {} : { sellerId: { $in: [sellerId, '*'] } };
  const versions = await settlementCollections(db)
    .feeSchedules.find(filter, { projection: { _id: 0, createdAt: 0, createdBy: 0 } })
    .toArray();
  return feeScheduleLookup(versions as FeeScheduleVersion[], fallback);
}
