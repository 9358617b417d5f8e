// Counters of time spent, by name (an HTTP route, a Temporal call, a MongoDB command): what the benchmark's child
// processes report to the parent for its profile. Sums and counts only, so they stay small under any load.

/** Time spent under one name. */
export interface TimingEntry {
  count: number;
  totalMs: number;
}

/** Timings by name, as sent between processes. */
export type TimingTable = Record<string, TimingEntry>;

/** Accumulates durations by name. */
export class Timings {
  private table: TimingTable = {};

  /** Adds one duration. */
  add(name: string, ms: number): void {
    const entry = this.table[name];
    if (entry) {
      entry.count += 1;
      entry.totalMs += ms;
    } else {
      this.table[name] = { count: 1, totalMs: ms };
    }
  }

  /** Times a promise under `name`, whether it resolves or rejects. */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(name, performance.now() - started);
    }
  }

  /** The table so far; with `reset`, starts a new one. */
  snapshot(reset = false): TimingTable {
    const table = this.table;
    if (reset) this.table = {};
    return reset ? table : structuredClone(table);
  }
}

/** The sum of every entry whose name starts with `prefix`. */
export function totalOf(table: TimingTable, prefix: string): TimingEntry {
  return Object.entries(table)
    .filter(([name]) => name.startsWith(prefix))
    .reduce((sum, [, entry]) => ({ count: sum.count + entry.count, totalMs: sum.totalMs + entry.totalMs }), {
      count: 0,
      totalMs: 0,
    });
}

/** Several processes' tables added up name by name (the order worker processes of one run). */
export function mergeTimings(tables: readonly TimingTable[]): TimingTable {
  const merged: TimingTable = {};
  for (const table of tables)
    for (const [name, entry] of Object.entries(table)) {
      const sum = merged[name];
      if (sum) {
        sum.count += entry.count;
        sum.totalMs += entry.totalMs;
      } else merged[name] = { ...entry };
    }
  return merged;
}
