// The read model's counts behind the API's gauges: orders by status and webhook deliveries by state, one indexed
// count per value, each bounded by a server-side time limit. Read-only: never writes, never scans a whole document.

import { WEBHOOK_DELIVERY_STATES } from '../contracts/webhook-delivery-contract';
import { ORDER_STATUSES } from '../domain/order';
import { countMatching } from '../persistence/count';
import type { Database } from '../persistence/database';
import type { ReadModelCounts } from './metrics';

/** How long one count may take on the database server before it is abandoned (the gauge keeps its last value). */
const COUNT_TIME_LIMIT_MS = 2000;

/** Counts on the database's read model (indexed fields `orders.status` and `webhook_deliveries.state`). */
export function readModelCounts(db: Database): ReadModelCounts {
  const countBy = async (collection: string, field: string, values: readonly string[]) => {
    const counts = await Promise.all(
      values.map((value) =>
        countMatching(db.connection, collection, { [field]: value }, { maxTimeMS: COUNT_TIME_LIMIT_MS }),
      ),
    );
    return Object.fromEntries(values.map((value, i) => [value, counts[i] ?? 0]));
  };
  return {
    ordersByStatus: () => countBy('orders', 'status', ORDER_STATUSES),
    webhookDeliveriesByState: () => countBy('webhook_deliveries', 'state', WEBHOOK_DELIVERY_STATES),
  };
}
