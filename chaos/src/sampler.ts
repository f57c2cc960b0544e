/**
 * What a node says about itself while a scenario runs, sampled on a timer: its /metrics
 * (event-loop delay since the previous scrape, memory, the database pool, slow consumers cut
 * off) and, counted by PostgreSQL itself, the connections open to the scenario's database.
 */
import pg from 'pg';

export interface Sample {
  /** performance.now() when the sample was taken. */
  at: number;
  /** Event-loop delay since the previous scrape, ms: p99 and max. */
  loopP99Ms: number;
  loopMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  poolTotal: number;
  poolWaiting: number;
  poolMax: number;
  slowCutOff: number;
  /** Connections to the database other than the harness's own (pg_stat_activity). */
  dbConnections: number;
}

/** The value of each series (name with labels) in a Prometheus text body. */
export function parseMetrics(body: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || !line) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

export class Sampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly client: pg.Client;

  constructor(
    private readonly nodeUrl: string,
    databaseUrl: string,
    private readonly databaseName: string,
  ) {
    this.client = new pg.Client({ connectionString: databaseUrl, application_name: 'chaos-sampler' });
    this.client.on('error', () => {});
  }

  async start(everyMs: number): Promise<void> {
    await this.client.connect();
    await this.take();
    this.timer = setInterval(() => void this.take(), everyMs);
  }

  async take(): Promise<Sample | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      const [body, conns] = await Promise.all([
        fetch(`${this.nodeUrl}/metrics`).then((r) => r.text()),
        this.client.query(
          `select count(*)::int n from pg_stat_activity where datname = $1 and application_name not like 'chaos-%'`,
          [this.databaseName],
        ),
      ]);
      const m = parseMetrics(body);
      const s: Sample = {
        at: performance.now(),
        loopP99Ms: (m.get('cuebe_event_loop_delay_seconds{quantile="0.99"}') ?? NaN) * 1000,
        loopMaxMs: (m.get('cuebe_event_loop_delay_seconds{quantile="1"}') ?? NaN) * 1000,
        rssBytes: m.get('cuebe_process_resident_memory_bytes') ?? NaN,
        heapUsedBytes: m.get('cuebe_nodejs_heap_size_used_bytes') ?? NaN,
        poolTotal: m.get('cuebe_db_pool_connections{state="total"}') ?? NaN,
        poolWaiting: m.get('cuebe_db_pool_connections{state="waiting"}') ?? NaN,
        poolMax: m.get('cuebe_db_pool_connections{state="max"}') ?? NaN,
        slowCutOff: m.get('cuebe_slow_consumers_cut_off_total') ?? NaN,
        dbConnections: Number((conns.rows[0] as { n: number } | undefined)?.n ?? NaN),
      };
      this.samples.push(s);
      return s;
    } catch {
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Samples taken in [from, to). */
  between(from: number, to = Infinity): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client.end().catch(() => {});
  }
}

export const max = (xs: number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity);
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

/**
 * A quantile of a Prometheus histogram (the upper bound of the bucket it falls in), from the
 * difference of two scrapes' cumulative buckets: what happened between them.
 */
export function histogramQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const buckets: { le: number; n: number }[] = [];
  for (const [series, v] of after) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(series);
    if (m) buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), n: v - (before.get(series) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return NaN;
  return buckets.find((b) => b.n >= q * total)?.le ?? Infinity;
}

export async function scrape(nodeUrl: string): Promise<Map<string, number>> {
  return parseMetrics(await fetch(`${nodeUrl}/metrics`).then((r) => r.text()));
}
