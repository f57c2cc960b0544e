/**
 * Scenario 3 — Redis outage, several nodes. Two node processes share PostgreSQL and a
 * redis-server of this scenario's own; the SM edits on node A while crew watch on A and B.
 * Redis is killed mid-stream and started again: nothing lost, doubled or reordered at any
 * client, and node B's clients hold every version soon after Redis is back.
 */
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase, startOwnRedis } from '../services';
import { makeCrew, makeStage } from '../stage';
import { until } from '../wait';

export async function redisOutageScenario(opts: { outageMs: number }): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const redis = await startOwnRedis();
  const checker = new Checker(db.url);
  const nodes: ServerNode[] = [];
  const clients: ChaosClient[] = [];
  try {
    nodes.push(await startNode({ name: 'redis-a', databaseUrl: db.url, redisUrl: redis.url }));
    nodes.push(await startNode({ name: 'redis-b', databaseUrl: db.url, redisUrl: redis.url }));
    const [a, b] = nodes as [ServerNode, ServerNode];
    const stage = await makeStage(a.url, 10);
    const sm = new ChaosClient(() => a.url, stage.scriptId, { cookie: stage.cookie }).start();
    const crew = await Promise.all([0, 1, 2, 3].map(() => makeCrew(stage)));
    const watchers = crew.map((l, i) =>
      new ChaosClient(() => (i % 2 ? b.url : a.url), stage.scriptId, { token: l.token }).start(),
    );
    clients.push(sm, ...watchers);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
    }, 50);
    await until(() => sm.acked.size >= 40, 10_000, '40 acks before the outage');
    await redis.stop();
    const downAt = performance.now();
    await until(() => performance.now() - downAt >= opts.outageMs, opts.outageMs + 1_000, 'the outage', 20);
    await redis.start();
    const backAt = performance.now();
    // The version committed when Redis came back must reach node B's clients.
    const target = Math.max(...[...sm.acked.values()]);
    await until(() => watchers.every((w) => (w.snap.version ?? 0) >= target), 10_000, 'node B caught up').catch(
      (e: Error) => problems.push(e.message),
    );
    const recoveryMs = performance.now() - backAt;
    await until(() => sm.acked.size >= 300, 30_000, '300 acks');
    clearInterval(timer);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId);
        return settled(state, clients);
      },
      15_000,
      'clients to settle',
    ).catch((e: Error) => problems.push(e.message));
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);
    expect(
      problems,
      t.lost + t.duplicated + t.reordered + t.gaps + t.refused === 0,
      'lost, duplicated, reordered, gaps or refused',
    );
    expect(problems, recoveryMs <= 2_000, `node B caught up ${Math.round(recoveryMs)} ms after Redis was back`);
    return {
      scenario: '3 Redis outage',
      injected: `redis-server SIGKILLed mid-stream, back after ${opts.outageMs / 1000} s`,
      load: '2 nodes; 1 SM at 20 ops/s on A; 4 crew on A and B',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs,
      figures: {
        'versions at the end': state.version,
        'crew socket closes': watchers.reduce((n, w) => n + w.rec.closes.length, 0),
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    for (const n of nodes) await n.kill('SIGKILL');
    await checker.close();
    await redis.close();
    await db.drop();
  }
}
