// Reading Prometheus metrics back: the samples of the text exposition format (what prom-client and the workers'
// /metrics serve), fetched from another process with a bounded wait, and the sums and histogram quantiles the
// console's monitoring summary is computed from. Hand-written because the one npm parser of the format
// (parse-prometheus-text-format 1.1.1) drops the labels of prom-client's histograms. Never throws on a bad line or an
// unreachable endpoint: a line it cannot read is skipped, an endpoint that does not answer is reported as such.

/** One sample: a metric name (with its `_bucket`/`_sum`/`_count`/`_total` suffix as exposed), labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_match, char: string) => (char === 'n' ? '\n' : char));
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  return text !== '' && !Number.isNaN(value) ? value : undefined;
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || LABEL.lastIndex === start) return text.slice(start).trim() === '' ? labels : undefined;
    labels[match[1]!] = unescapeLabel(match[2]!);
  }
  return labels;
}

/** The samples of a text exposition; comments, blank lines and lines it cannot read are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels = match[2] === undefined ? {} : parseLabels(match[2]);
    const value = parseValue(match[3]!);
    if (labels === undefined || value === undefined) continue;
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The result of reading one process's metrics. */
export type Scrape =
  { state: 'up'; samples: Sample[] } | { state: 'unreachable'; error: string } | { state: 'not_configured' };

/**
 * Reads another process's `/metrics` within `timeoutMs`, sending the metrics token as a bearer when one is set.
 * Never throws: a refused connection, a timeout or an answer other than 200 is `unreachable` with the reason.
 */
export async function scrapeMetrics(
  url: string | undefined,
  options: { token?: string | undefined; timeoutMs: number },
): Promise<Scrape> {
  if (!url) return { state: 'not_configured' };
  try {
    const response = await fetch(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { state: 'unreachable', error: `answered ${response.status}` };
    }
    return { state: 'up', samples: parsePrometheusText(await response.text()) };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { state: 'unreachable', error: `no answer in ${options.timeoutMs} ms` };
    }
    const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    return { state: 'unreachable', error: cause?.code ?? 'no answer' };
  }
}

/** Whether a sample's labels include every given label. */
function matches(sample: Sample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
}

/** The samples of one metric name (exact, suffix included) with the given labels. */
export function samplesOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((sample) => sample.name === name && matches(sample, labels));
}

/** The sum of a metric's samples with the given labels; undefined when it has none. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samplesOf(samples, name, labels);
  return found.length === 0 ? undefined : found.reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * The `q` quantile (0..1) of a histogram's observations with the given labels, estimated as Prometheus's
 * `histogram_quantile` does: linear within the bucket it falls in, the highest finite bound when it falls in `+Inf`.
 * Undefined when nothing was observed.
 */
export function histogramQuantile(
  samples: readonly Sample[],
  name: string,
  q: number,
  labels: Record<string, string> = {},
): number | undefined {
  const byBound = new Map<number, number>();
  for (const sample of samplesOf(samples, `${name}_bucket`, labels)) {
    const bound = parseValue(sample.labels.le ?? '');
    if (bound === undefined || Number.isNaN(bound)) continue;
    byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
  }
  const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
