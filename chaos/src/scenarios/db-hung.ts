/**
 * Scenario 11 — database hung. The node reaches PostgreSQL through a proxy that turns into a
 * blackhole for 10 s (connections accepted, nothing forwarded: the database neither answers nor
 * refuses) while the SM edits. `/readyz` must say 503 at once, the SM must be told saving is
 * delayed within about 2 s, a crew device joining meanwhile must be answered (1013) within 5 s,
 * and everything must go through once the path is back.
 */
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { ChaosProxy } from '../proxy';
import { expect, r0, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { makeCrew, makeStage } from '../stage';
import { until } from '../wait';

async function timedReady(base: string): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  try {
    const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await r.text();
    return { ms: performance.now() - t, status: r.status };
  } catch {
    return { ms: performance.now() - t, status: 0 };
  }
}

export async function dbHungScenario(opts: { hangMs: number }): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  const pgProxy = new ChaosProxy({ host: db.host, port: db.port });
  await pgProxy.listen();
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  try {
    node = await startNode({ name: 'db-hung', databaseUrl: db.via('127.0.0.1', pgProxy.port) });
    const base = node.url;
    const stage = await makeStage(base, 10);
    const link = await makeCrew(stage);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }).start();
    const crew = new ChaosClient(() => base, stage.scriptId, { token: link.token }).start();
    clients.push(sm, crew);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
    }, 100);
    await until(() => sm.acked.size >= 20, 10_000, '20 acks before the hang');

    pgProxy.setMode('blackhole');
    const hungAt = performance.now();
    let toldMs = Infinity;
    let notReadyMs = Infinity;
    const readyTimes: number[] = [];
    let joinMs = Infinity;
    let joinCode = 'none';
    let joiner: ChaosClient | null = null;
    await until(
      async () => {
        const now = performance.now() - hungAt;
        if (toldMs === Infinity && sm.snap.savingDelayed) toldMs = now;
        const r = await timedReady(base);
        if (r.status === 503) {
          if (notReadyMs === Infinity) notReadyMs = now;
          readyTimes.push(r.ms);
        }
        if (!joiner && now > 2_000) {
          joiner = new ChaosClient(() => base, stage.scriptId, { token: link.token }).start();
          clients.push(joiner);
        }
        const first = joiner?.rec.closes[0];
        if (joiner && joinMs === Infinity && (first || joiner.snap.status === 'live')) {
          joinMs = (first?.at ?? performance.now()) - hungAt - 2_000;
          joinCode = first ? String(first.code) : 'welcome';
        }
        return now >= opts.hangMs;
      },
      opts.hangMs + 5_000,
      'the hang',
      100,
    );
    pgProxy.setMode('pass');
    const backAt = performance.now();
    clearInterval(timer);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId).catch(() => state);
        return settled(state, clients);
      },
      40_000,
      'everything through after the hang',
      50,
    ).catch((e: Error) => problems.push(e.message));
    const recoveryMs = performance.now() - backAt;
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);
    readyTimes.sort((a, b) => a - b);
    const median = readyTimes[Math.floor(readyTimes.length / 2)] ?? Infinity;
    expect(problems, !node.exited, 'the node ended');
    expect(problems, toldMs < 2_500, `the SM was told saving is delayed after ${r0(toldMs)} ms`);
    expect(problems, notReadyMs < 2_500, `/readyz said 503 after ${r0(notReadyMs)} ms`);
    expect(problems, median < 100, `/readyz answered in ${r0(median)} ms (median) during the hang`);
    expect(problems, joinMs < 5_000, `a crew device joining during the hang waited ${r0(joinMs)} ms`);
    expect(problems, t.lost === 0 && t.duplicated === 0 && t.reordered === 0, 'lost, duplicated or reordered ops');
    return {
      scenario: '11 database hung',
      injected: `PostgreSQL path blackholed for ${opts.hangMs / 1000} s (open connections reset, new ones accepted and never answered)`,
      load: '1 SM at 10 ops/s, 1 crew; a crew device joining 2 s into the hang',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs,
      figures: {
        'SM told saving is delayed after': `${r0(toldMs)} ms`,
        '/readyz 503 after': `${r0(notReadyMs)} ms`,
        '/readyz answer during the hang (median, max)': `${r0(median)} ms, ${r0(readyTimes.at(-1) ?? Infinity)} ms`,
        'joining crew device answered after': `${r0(joinMs)} ms (${joinCode})`,
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
