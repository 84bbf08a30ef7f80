/**
 * The webhook's Prometheus metrics, in the text exposition format (0.0.4) that every Prometheus scrapes. A
 * few counters, gauges and one histogram do not justify a client library: this module keeps them in plain
 * numbers so recording a review on the hot path costs a handful of additions.
 */

/** Label values of one series, in the order of the metric's label names. */
type LabelValues = readonly string[];

/** Escapes a label value as the exposition format requires (backslash, double quote, newline). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: LabelValues, extra = ''): string {
  const pairs = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== '') pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Prometheus prints floats its own way: integers plainly, infinities as +Inf/-Inf. */
function num(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

interface Metric {
  /** The metric's HELP, TYPE and sample lines, without a trailing newline. */
  render(): string;
}

/**
 * A monotonically increasing count, optionally split by labels. Series listed in `initial` are printed at 0
 * before anything happened, so `rate()` and alerts see them from the first scrape.
 */
export class Counter implements Metric {
  private readonly series = new Map<string, { values: LabelValues; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    initial: readonly LabelValues[] = labelNames.length === 0 ? [[]] : [],
  ) {
    for (const values of initial) this.inc(values, 0);
  }
  /** Adds `by` (default 1) to the series named by `values`. */
  inc(values: LabelValues = [], by = 1): void {
    const key = values.join('\u0000');
    const s = this.series.get(key);
    if (s) s.count += by;
    else this.series.set(key, { values, count: by });
  }
  /** The current count of one series (0 when never incremented). */
  get(values: LabelValues = []): number {
    return this.series.get(values.join('\u0000'))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${labelText(this.labelNames, s.values)} ${num(s.count)}`);
    return lines.join('\n');
  }
}

/** A value that goes up and down (blocklist size, readiness), set whole. */
export class Gauge implements Metric {
  private value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  /** Replaces the value; gauges describe the present, not a history. */
  set(value: number): void {
    this.value = value;
  }
  /** The current value (for tests and for callers that report it elsewhere). */
  get(): number {
    return this.value;
  }
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${num(this.value)}`].join('\n');
  }
}

/**
 * A latency histogram with fixed buckets (seconds). Cumulative bucket counts are computed when scraped, so an
 * observation is one comparison loop and two additions.
 */
export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  /** Records one duration, in seconds (Prometheus' base unit). */
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }
  /** Number of observations so far. */
  get total(): number {
    return this.count;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += this.counts[i]!;
      lines.push(`${this.name}_bucket{le="${num(le)}"} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${num(this.sum)}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

/** Content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Every metric the webhook exports. One instance per server, so tests (and several servers in one process)
 * never share counts.
 */
export class WebhookMetrics {
  /** Reviews answered, by decision: the numbers an operator alerts on when denials spike or stop. */
  readonly reviews = new Counter('airlock_webhook_reviews_total', 'AdmissionReviews answered, by decision.', ['decision'], [['allowed'], ['denied']]);
  /** Requests refused before a decision, by HTTP status: malformed, oversized, too slow or sent while not ready. */
  readonly rejected = new Counter('airlock_webhook_rejected_requests_total', 'Requests on the review path answered without a decision, by HTTP status code.', ['code'], [['400'], ['405'], ['408'], ['413'], ['500'], ['503']]);
  /** Time from the first body byte to the answer, which is what the API server's timeoutSeconds is spent on. */
  readonly duration = new Histogram('airlock_webhook_review_duration_seconds', 'Time to read, decide and answer one AdmissionReview.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  /** Blocklist reloads, by result: a failing reload keeps stale lists, which must be visible. */
  readonly reloads = new Counter('airlock_webhook_blocklist_reloads_total', 'Blocklist reloads, by result.', ['result'], [['success'], ['failure']]);
  readonly lastReloadSuccess = new Gauge('airlock_webhook_blocklist_last_reload_success_timestamp_seconds', 'Unix time of the last successful blocklist load.');
  readonly incidents = new Gauge('airlock_webhook_blocklist_incidents', 'Incident blocklists enforced.');
  readonly entries = new Gauge('airlock_webhook_blocklist_entries', 'Blocked digests, tags and repositories enforced, over all incidents.');
  readonly ready = new Gauge('airlock_webhook_ready', '1 when blocklists are loaded and reviews are answered, 0 otherwise.');

  /** The exposition text for a scrape. */
  render(): string {
    return `${[this.reviews, this.rejected, this.duration, this.reloads, this.lastReloadSuccess, this.incidents, this.entries, this.ready].map((m) => m.render()).join('\n')}\n`;
  }
}
