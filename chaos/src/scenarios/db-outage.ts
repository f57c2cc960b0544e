/**
 * Scenario 2 — database outage. The node reaches PostgreSQL through a proxy this scenario
 * controls; it is cut (every connection reset, new ones refused) for 10 s while the SM keeps
 * editing. Ops must be refused with a retryable error (never acknowledged and then lost), stay
 * queued in the client, and all go through once the database is back.
 */
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { ChaosProxy } from '../proxy';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { makeCrew, makeStage } from '../stage';
import { until } from '../wait';

export async function dbOutageScenario(opts: { outageMs: number }): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  const pgProxy = new ChaosProxy({ host: db.host, port: db.port });
  await pgProxy.listen();
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  try {
    node = await startNode({ name: 'db-outage', databaseUrl: db.via('127.0.0.1', pgProxy.port) });
    const base = node.url;
    const stage = await makeStage(base, 10);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }).start();
    const crew = new ChaosClient(() => base, stage.scriptId, { token: (await makeCrew(stage)).token }).start();
    clients.push(sm, crew);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
    }, 50);
    await until(() => sm.acked.size >= 40, 10_000, '40 acks before the outage');
    pgProxy.setMode('cut');
    const cutAt = performance.now();
    const ackedBefore = sm.acked.size;
    await until(() => performance.now() - cutAt >= opts.outageMs, opts.outageMs + 1_000, 'the outage', 20);
    const pendingAtEnd = sm.snap.pendingCount;
    const unavailable = sm.rec.errors.get('UNAVAILABLE') ?? 0;
    // Acks that arrived while the database was unreachable (allow the ones already on the wire).
    const ackedDuring = sm.rec.ackTimes.filter((t) => t > cutAt + 200).length;
    pgProxy.setMode('pass');
    const backAt = performance.now();
    clearInterval(timer);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId).catch(() => state);
        return settled(state, clients);
      },
      30_000,
      'everything through after the outage',
      20,
    ).catch((e: Error) =>
      problems.push(
        `${e.message}: ${clients.map((c) => `${c.snap.status} v${c.snap.version} p${c.snap.pendingCount}`).join(', ')} db v${state.version}`,
      ),
    );
    const recoveryMs = performance.now() - backAt;
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);
    expect(problems, unavailable > 0, 'no UNAVAILABLE error during the outage');
    expect(problems, ackedDuring === 0, `${ackedDuring} acks while the database was unreachable`);
    expect(problems, pendingAtEnd > 0, 'nothing was queued during the outage');
    expect(
      problems,
      t.lost === 0 && t.duplicated === 0 && t.reordered === 0 && t.refused === 0,
      'lost, duplicated, reordered or refused ops',
    );
    return {
      scenario: '2 database outage',
      injected: `PostgreSQL unreachable for ${opts.outageMs / 1000} s (proxy resets every connection, refuses new ones)`,
      load: '1 SM at 20 ops/s, 1 crew',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs,
      figures: {
        'acked before': ackedBefore,
        'UNAVAILABLE errors': unavailable,
        'errors by code': [...sm.rec.errors].map(([c, n]) => `${c}×${n}`).join(' ') || 'none',
        'acks during the outage': ackedDuring,
        'queued at the end of the outage': pendingAtEnd,
        'SM socket closes': sm.rec.closes.map((c) => c.code).join(' ') || 'none',
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    await node?.kill('SIGKILL');
    await pgProxy.close();
    await checker.close();
    await db.drop();
  }
}
