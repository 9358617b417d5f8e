// Latency samples by name (one series per party action) and their percentiles, for the demo's summary and the
// benchmark. Plain arrays: a run records at most a few thousand samples per series.

/** Percentiles and counts of one series, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/**
 * The nearest-rank percentile of ascending samples: the smallest sample with at least `p` percent at or below it.
 * @returns NaN for no samples
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[Math.min(rank, sortedAscending.length) - 1] ?? Number.NaN;
}

/** Summarises samples in any order. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Named series of samples, e.g. `supplier-answer` → every accepted answer's round trip. */
export class LatencyBook {
  private readonly series = new Map<string, number[]>();

  /** Adds one sample to a series, creating it on first use. */
  record(name: string, ms: number): void {
    const samples = this.series.get(name);
    if (samples) samples.push(ms);
    else this.series.set(name, [ms]);
  }

  /** The series' samples in recording order (empty when unknown). */
  samples(name: string): readonly number[] {
    return this.series.get(name) ?? [];
  }

  /** Every series name, in order of first use. */
  names(): string[] {
    return [...this.series.keys()];
  }

  /** The samples of several series together. */
  merged(names: readonly string[]): number[] {
    return names.flatMap((name) => this.samples(name));
  }
}
