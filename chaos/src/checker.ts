/**
 * The independent checker: it reads PostgreSQL directly (its own connection, its own SQL — not
 * the server's code) and compares what every client ended with against it, and what every
 * client was sent against the protocol's delivery guarantee.
 */
import pg from 'pg';
import { filterElements, Element, type View } from '@cuebe/protocol';
import type { ChaosClient } from './clients';

export interface DbState {
  version: number;
  elements: Element[];
  /** The op log: version → client op id (null for server-made entries). */
  log: { version: number; opId: string | null }[];
}

export interface Tally {
  sent: number;
  acked: number;
  /** Acknowledged (or submitted and never refused) ops that are not in the log. */
  lost: number;
  /** Op ids in the log more than once, plus versions a client was sent twice. */
  duplicated: number;
  /** Versions a client was sent after a later one. */
  reordered: number;
  /** Versions missing from the log's 1..N, or never delivered to a client that should have them. */
  gaps: number;
  /** Ops the server refused for good (the client dropped them and said so). */
  refused: number;
  /** Clients whose state differs from the database. */
  diverged: number;
  problems: string[];
}

const byId = (a: Element, b: Element) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class Checker {
  private readonly pool: pg.Pool;
  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'chaos-checker' });
    this.pool.on('error', () => {});
  }

  async state(scriptId: string): Promise<DbState> {
    const c = await this.pool.connect();
    try {
      await c.query('begin isolation level repeatable read');
      const s = await c.query('select version from scripts where id = $1', [scriptId]);
      const rows = await c.query(
        `select id, type, name, notes, department_id, priority, offset_ms, duration_ms, location, colour,
                parent_id, order_key from elements where script_id = $1`,
        [scriptId],
      );
      const log = await c.query('select version, op_id from ops where script_id = $1 order by version', [scriptId]);
      await c.query('commit');
      const elements = rows.rows.map((r) =>
        Element.parse({
          id: r.id,
          type: r.type,
          name: r.name,
          notes: r.notes,
          departmentId: r.department_id,
          priority: r.priority,
          offsetMs: r.offset_ms,
          durationMs: r.duration_ms,
          location: r.location,
          colour: r.colour,
          parentId: r.parent_id,
          orderKey: r.order_key,
        }),
      );
      return {
        version: Number(s.rows[0]?.version ?? -1),
        elements: elements.sort(byId),
        log: log.rows.map((r) => ({ version: Number(r.version), opId: r.op_id === null ? null : String(r.op_id) })),
      };
    } finally {
      c.release();
    }
  }

  /** A hash of every table's rows (the fuzz scenario: nothing written). */
  async hash(tables: string[]): Promise<string> {
    const parts: string[] = [];
    for (const t of tables) {
      const r = await this.pool.query(
        `select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) h from ${t} x`,
      );
      parts.push(`${t}:${String(r.rows[0]?.h)}`);
    }
    return parts.join(' ');
  }

  async query(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    return this.pool.query(sql, params);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Every client is live, has nothing pending, and holds the database's version. */
export function settled(db: DbState, clients: ChaosClient[]): boolean {
  return clients.every((c) => {
    const s = c.snap;
    return s.status === 'live' && s.pendingCount === 0 && s.version === db.version;
  });
}

export interface Convergence {
  /** All clients live, nothing pending, on the database's version. */
  ok: boolean;
  /** The database as read after the clients were looked at. */
  state: DbState;
  /**
   * Clients that held a version the database did not have even after they had it: persist
   * before broadcast broken. Empty when the promise held.
   */
  ahead: string[];
  /** Each client as last seen (status, version, pending), then the database's version. */
  seen: string;
}

/**
 * Wait until every client has settled on the database's version. Each round looks at the
 * clients first and reads the database after, so a client counts as ahead only when the
 * database lacks a version the client already held — never because a commit landed between
 * the two reads (reading the database first reports clients "ahead" whenever commits flow).
 */
export async function converge(
  checker: Checker,
  scriptId: string,
  clients: ChaosClient[],
  timeoutMs: number,
  pollMs = 10,
): Promise<Convergence> {
  const deadline = performance.now() + timeoutMs;
  const ahead = new Set<string>();
  for (;;) {
    const snaps = clients.map((c) => c.snap);
    const state = await checker.state(scriptId);
    snaps.forEach((s, i) => {
      if (s.version !== null && s.version > state.version)
        ahead.add(`client ${i} held v${s.version} while the database had v${state.version}`);
    });
    const ok = snaps.every((s) => s.status === 'live' && s.pendingCount === 0 && s.version === state.version);
    const seen = `${snaps.map((s) => `${s.status} v${s.version} p${s.pendingCount}`).join(', ')} db v${state.version}`;
    if (ok || performance.now() > deadline) return { ok, state, ahead: [...ahead], seen };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The elements a client holds differ from the database's (filtered by its view): a description, or null. */
export function divergence(db: DbState, c: { snap: { elements: ReadonlyMap<string, Element> }; view: View }) {
  const mine = [...c.snap.elements.values()].sort(byId);
  const theirs = filterElements(c.view, db.elements).sort(byId);
  if (JSON.stringify(mine) === JSON.stringify(theirs)) return null;
  const ids = new Set(theirs.map((e) => e.id));
  const extra = mine.filter((e) => !ids.has(e.id)).length;
  const missing = theirs.length - (mine.length - extra);
  return `${extra} extra, ${missing} missing, ${mine.length - extra} held (${theirs.length} in the database)`;
}

/** Delivery as each client saw it: duplicates, reorderings and holes in what it was sent. */
export function deliveries(c: { rec: { versions: number[] } }): { duplicated: number; reordered: number } {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  let max = 0;
  for (const v of c.rec.versions) {
    // A snapshot replaces everything; versions after it start over.
    if (seen.has(v)) duplicated++;
    else if (v < max) reordered++;
    seen.add(v);
    max = Math.max(max, v);
  }
  return { duplicated, reordered };
}

/** The full check at the end of a scenario. */
export function tally(db: DbState, sms: ChaosClient[], all: ChaosClient[]): Tally {
  const t: Tally = {
    sent: 0,
    acked: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    gaps: 0,
    refused: 0,
    diverged: 0,
    problems: [],
  };
  const inLog = new Map<string, number>();
  for (const e of db.log) if (e.opId) inLog.set(e.opId, (inLog.get(e.opId) ?? 0) + 1);
  for (const [opId, n] of inLog)
    if (n > 1) {
      t.duplicated += n - 1;
      t.problems.push(`op ${opId} is in the log ${n} times`);
    }
  db.log.forEach((e, i) => {
    if (e.version !== i + 1) t.gaps++;
  });
  if (db.log.length !== db.version) {
    t.gaps++;
    t.problems.push(`script version ${db.version} but ${db.log.length} log rows`);
  }
  for (const sm of sms) {
    const droppedIds = new Set(sm.dropped.map((d) => d.opId));
    t.sent += sm.submitted.length;
    t.acked += sm.acked.size;
    t.refused += droppedIds.size;
    for (const opId of sm.submitted) {
      if (inLog.has(opId)) continue;
      if (droppedIds.has(opId) && !sm.acked.has(opId)) continue;
      t.lost++;
      if (t.problems.length < 20)
        t.problems.push(`op ${opId} ${sm.acked.has(opId) ? 'was acknowledged but' : 'was sent but'} is not in the log`);
    }
    for (const [opId, v] of sm.acked) {
      const row = db.log.find((e) => e.opId === opId);
      if (row && row.version !== v) t.problems.push(`op ${opId} acked as v${v}, logged as v${row.version}`);
    }
  }
  for (const c of all) {
    const d = deliveries(c);
    t.duplicated += d.duplicated;
    t.reordered += d.reordered;
    const diff = divergence(db, c);
    if (diff || c.snap.version !== db.version) {
      t.diverged++;
      if (t.problems.length < 20)
        t.problems.push(`client at v${c.snap.version} of ${db.version}: ${diff ?? 'same elements'}`);
    }
  }
  return t;
}
